"""Factories for search and duplicate-claim tests: incidents, cases and household members.

They insert through the ORM (so the name keys are filled by the flush, as in the app)
and commit, so that requests in the test see the rows.
"""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from casework.auth.models import Office
from casework.extensions import db
from casework.intake.models import (
    Case,
    CaseIncident,
    CaseStage,
    Credibility,
    DeliveryChannel,
    Harm,
    Incident,
    Language,
    Loss,
    LossKind,
    Person,
    Relationship,
    Sex,
    Weapon,
)
from casework.intake.models.cases import ReferenceCounter

_numbers = count(1)


@pytest.fixture
def make_incident(app):
    """Factory: an incident in Raqqa; returns its id."""

    def make(reference: str | None = None, occurred_on: date = date(2017, 7, 18)) -> int:
        with app.app_context():
            incident = Incident(
                reference=reference or f"INC-2017-{next(_numbers):04d}",
                occurred_on=occurred_on, city="Raqqa", neighbourhood="al-Mashlab",
                weapon=Weapon.air_dropped_bomb, credibility=Credibility.pending,
            )
            db.session.add(incident)
            db.session.commit()
            return incident.id

    return make


def member(name_ar: str | None, name_latin: str | None, relationship: str = "head",
           harm: str = "unharmed", sex: str = "male", birth_year: int | None = None,
           date_of_birth: date | None = None, incident: bool | None = None) -> dict:
    """A household member's details for make_case (victims are linked to the incident)."""
    return {
        "name_ar": name_ar, "name_latin": name_latin, "relationship": relationship,
        "harm": harm, "sex": sex, "birth_year": birth_year, "date_of_birth": date_of_birth,
        "incident": harm != "unharmed" if incident is None else incident,
    }


@pytest.fixture
def make_case(app):
    """Factory: a case of an office with its incidents, members and a loss; returns its id."""

    def make(office_id: int, incident_ids: list[int], members: list[dict],
             stage: CaseStage = CaseStage.registered, created_by_id: int | None = None,
             contact_phone: str | None = None, with_loss: bool = True) -> int:
        with app.app_context():
            office = db.session.get(Office, office_id)
            counter = db.session.get(ReferenceCounter, (office_id, 2026))
            if counter is None:
                counter = ReferenceCounter(office_id=office_id, year=2026, last_number=0)
                db.session.add(counter)
            counter.last_number += 1
            case = Case(
                reference=f"{office.code}-2026-{counter.last_number:06d}", office_id=office_id,
                stage=stage, preferred_language=Language.ar,
                delivery_channel=DeliveryChannel.in_person, contact_phone=contact_phone,
                created_by_id=created_by_id,
            )
            case.incident_links = [CaseIncident(incident_id=i) for i in incident_ids]
            for details in members:
                case.persons.append(Person(
                    name_ar=details["name_ar"], name_latin=details["name_latin"],
                    sex=Sex(details["sex"]), relationship_to_head=Relationship(details["relationship"]),
                    harm=Harm(details["harm"]), birth_year=(
                        details["date_of_birth"].year if details["date_of_birth"]
                        else details["birth_year"]
                    ),
                    date_of_birth=details["date_of_birth"],
                    incident_id=incident_ids[0] if details["incident"] and incident_ids else None,
                ))
            if with_loss:
                case.losses.append(Loss(kind=LossKind.home_destroyed, description="House"))
            db.session.add(case)
            db.session.commit()
            return case.id

    return make
