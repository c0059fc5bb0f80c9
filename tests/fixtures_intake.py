"""Intake fixtures: factories for incidents and cases, built through the intake operations.

`open_case` makes a case the way intake does (reference allocated, vulnerability
derived); by default it is complete enough to be registered.
"""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest
from sqlalchemy import event

from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.extensions import db
from casework.intake import operations
from casework.intake.lifecycle import CaseAction, apply_case_transition
from casework.intake.models import Case
from casework.intake.validation import CaseDetails, IncidentDetails, LossDetails, PersonDetails

_incident_numbers = count(1)

HEAD = {
    "name_ar": "أحمد الحسن",
    "name_latin": "Ahmad al-Hassan",
    "sex": "male",
    "relationship_to_head": "head",
    "harm": "injured",
    "approximate_age": 45,
    "injury_severity": "moderate",
}
KILLED_SON = {
    "name_ar": "محمد أحمد الحسن",
    "name_latin": "Mohammed Ahmad al-Hassan",
    "sex": "male",
    "relationship_to_head": "son",
    "harm": "killed",
    "date_of_birth": date(2009, 3, 14),
}


def person(**fields: Any) -> dict:
    """A household member's fields: an unharmed adult daughter, changed by `fields`."""
    return {"name_ar": "فاطمة أحمد الحسن", "name_latin": "Fatima Ahmad al-Hassan",
            "sex": "female", "relationship_to_head": "daughter", "harm": "unharmed",
            "approximate_age": 22, **fields}


@pytest.fixture
def create_incident(app):
    """Factory: an incident (committed); returns its id."""

    def create(reference: str | None = None, occurred_on: date = date(2017, 6, 28),
               **fields: Any) -> int:
        with app.app_context():
            details = IncidentDetails(
                reference=reference or f"RQA-2017-T{next(_incident_numbers):03d}",
                occurred_on=occurred_on,
                city=fields.pop("city", "Raqqa"),
                weapon=fields.pop("weapon", "air_dropped_bomb"),
                neighbourhood=fields.pop("neighbourhood", "al-Badu"),
                stated_target=fields.pop("stated_target", "Daesh fighting position"),
                **fields,
            )
            incident = operations.create_incident(details, None)
            db.session.commit()
            return incident.id

    return create


@pytest.fixture
def open_case(app, create_office, create_user, create_incident):
    """Factory: a case opened through the intake operations (committed); returns its id.

    By default: in a new office, by a new caseworker of it (assigned), for a new
    incident, with a head of household, a killed son, a destroyed home, contact and
    consent, so that it can be registered. `persons=[...]` replaces the household,
    `losses=[...]` the losses, `consent=False` leaves consent out, `register=True`
    registers it.
    """

    def create(office_id: int | None = None, *, caseworker_id: int | None = None,
               incident_ids: list[int] | None = None, persons: list[dict] | None = None,
               losses: list[dict] | None = None, consent: bool = True,
               register: bool = False, assigned: bool = True, **details: Any) -> int:
        office_id = office_id or create_office()
        caseworker_id = caseworker_id or create_user(Role.caseworker, office_id=office_id)
        if incident_ids is None:
            incident_ids = [create_incident()]
        household = [HEAD, KILLED_SON] if persons is None else persons
        with app.app_context():
            office = db.session.get(Office, office_id)
            actor = db.session.get(User, caseworker_id)
            case_details = CaseDetails(
                preferred_language=details.pop("preferred_language", "ar"),
                delivery_channel=details.pop("delivery_channel", "in_person"),
                contact_phone=details.pop("contact_phone", "+963 944 123 456"),
                current_address=details.pop("current_address", "al-Mashlab, Raqqa"),
                consent_given_on=date(2026, 1, 10) if consent else None,
                consent_text_version="2026-01" if consent else None,
                **details,
            )
            case = operations.create_case(
                office, actor, case_details, incident_ids,
                head=PersonDetails(**household[0]) if household else None,
            )
            if not assigned:
                case.assigned_to_id = None
            for fields in household[1:]:
                operations.add_person(case, PersonDetails(**fields), actor, None)
            for fields in [{"kind": "home_destroyed", "estimated_value_minor": 1_500_000,
                            "currency": "USD"}] if losses is None else losses:
                operations.add_loss(case, LossDetails(**fields), actor, None)
            if register:
                apply_case_transition(case, CaseAction.register, actor, expected_version=None)
            db.session.commit()
            return case.id

    return create


def case_version(app, case_id: int) -> int:
    """The case's version now (for a form's optimistic-locking field)."""
    with app.app_context():
        return db.session.get(Case, case_id).version


def case_stage(app, case_id: int):
    with app.app_context():
        return db.session.get(Case, case_id).stage


@pytest.fixture
def case_state(app):
    """Reads a case's current state in a fresh session: stage, version, reference..."""

    def read(case_id: int) -> Case:
        with app.app_context():
            case = db.session.get(Case, case_id)
            db.session.expunge(case)
            return case

    return read


class StatementCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app):
    """`with count_statements() as counter: ...; counter.count`."""

    def make() -> StatementCounter:
        with app.app_context():
            return StatementCounter(db.engine)

    return make


@pytest.fixture
def page_statements(count_statements):
    """`page_statements(client, url, **get_args)`: the SQL statements one GET of a page
    runs (the page must answer 200)."""

    def count(client, url: str, **get_args) -> int:
        with count_statements() as counter:
            assert client.get(url, **get_args).status_code == 200
        return counter.count

    return count
