"""`flask demo generate`: synthetic benchmark cases, consistent with what intake would make."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from casework.audit.models import AuditEvent
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.demo.generate import generate_cases
from casework.extensions import db
from casework.intake import operations
from casework.intake.lifecycle import deadline_days
from casework.intake.models import Case, Person
from casework.intake.models.cases import CaseStage, ReferenceCounter
from casework.intake.models.persons import VICTIM_HARMS
from casework.intake.names import person_name_columns
from casework.intake.validation import CaseDetails, PersonDetails
from casework.intake.vulnerability import derive_flags, derive_priority
from casework.search.queries import search_cases
from tests.conftest import is_postgresql


def _generate(app, *args: str):
    return app.test_cli_runner().invoke(args=["demo", "generate", *args])


def test_generate_200_cases_gives_gap_free_references_matching_the_counters(app, create_office):
    create_office("RQA")
    create_office("TBQ")
    result = _generate(app, "--cases", "200", "--seed", "7", "--batch-size", "100")
    assert result.exit_code == 0, result.output
    assert "Generated 200 cases" in result.output
    with app.app_context():
        references = db.session.execute(
            select(Case.reference, Office.code, Case.office_id).join(Office)).all()
        assert len(references) == len({r.reference for r in references}) == 200
        numbers = defaultdict(list)
        for reference, code, office_id in references:
            prefix, year, number = reference.split("-")
            assert prefix == code
            numbers[(office_id, int(year))].append(int(number))
        counters = {(c.office_id, c.year): c.last_number
                    for c in db.session.scalars(select(ReferenceCounter))}
        assert set(counters) == set(numbers)
        for key, taken in numbers.items():
            assert sorted(taken) == list(range(1, counters[key] + 1)), key
        assert {code for _r, code, _o in references} == {"RQA", "TBQ"}


def test_generated_households_follow_the_intake_rules(app, create_office):
    create_office("RQA")
    create_office("TBQ")
    assert _generate(app, "--cases", "200", "--seed", "11").exit_code == 0
    with app.app_context():
        cases = db.session.scalars(select(Case)).all()
        caseworkers = {u.id: u for u in db.session.scalars(
            select(User).where(User.role == Role.caseworker))}
        for case in cases:
            heads = [p for p in case.persons if p.is_head]
            assert len(heads) == 1, case.reference
            incident_dates = {i.id: i.occurred_on for i in case.incidents}
            assert incident_dates, case.reference
            for person in case.persons:
                if person.harm in VICTIM_HARMS:
                    assert person.incident_id in incident_dates
                    if person.date_of_birth is not None:
                        assert person.date_of_birth <= incident_dates[person.incident_id]
                    assert person.birth_year <= incident_dates[person.incident_id].year
                else:
                    assert person.incident_id is None
                assert not (person.is_payee and not person.is_alive)
                columns = person_name_columns(person.name_ar, person.name_latin)
                assert (person.name_ar_norm, person.name_latin_norm, person.name_key_ar,
                        person.name_key_latin, person.full_name_key) == (
                    columns["name_ar_norm"], columns["name_latin_norm"], columns["name_key_ar"],
                    columns["name_key_latin"], columns["full_name_key"])
            flags = derive_flags(case.persons, incident_dates, operations.today())
            assert case.vulnerability == flags
            assert case.priority == int(derive_priority(flags))
            if case.assigned_to_id is not None:
                assignee = caseworkers[case.assigned_to_id]
                assert assignee.office_id == case.office_id and assignee.active
            steps = [(t.from_stage, t.to_stage) for t in case.transitions]
            if case.stage == CaseStage.intake:
                assert steps == []
                assert case.due_on == case.created_at.date() + timedelta(
                    days=deadline_days("intake_completion"))
            else:
                assert steps[0][0] == CaseStage.intake and steps[-1][1] == case.stage
                assert all(a[1] == b[0] for a, b in zip(steps, steps[1:], strict=False))
            if case.stage == CaseStage.registered:
                assert case.registered_at is not None and case.consent_complete
                assert case.assigned_to_id is not None
                assert case.due_on is not None
            if case.stage == CaseStage.withdrawn:
                assert case.due_on is None and case.transitions[-1].reason
        stages = {case.stage for case in cases}
        assert {CaseStage.intake, CaseStage.registered} <= stages


def test_generated_data_bypasses_the_audit_trail_except_the_caseworkers_it_adds(app,
                                                                                create_office):
    create_office("RQA")
    assert _generate(app, "--cases", "50", "--offices", "RQA").exit_code == 0
    with app.app_context():
        audited = dict(db.session.execute(
            select(AuditEvent.entity_type, func.count()).group_by(AuditEvent.entity_type)).all())
        assert "cases" not in audited and "persons" not in audited
        assert audited.get("users") == 10
        assert db.session.scalar(select(func.count(User.id)).where(
            User.role == Role.caseworker, User.office_id.isnot(None))) == 10


def test_an_intake_after_generation_gets_the_next_reference(app, create_office):
    office_id = create_office("RQA")
    assert _generate(app, "--cases", "30", "--offices", "RQA").exit_code == 0
    with app.app_context():
        office = db.session.get(Office, office_id)
        year = operations.today().year
        counter = db.session.get(ReferenceCounter, (office_id, year))
        last = counter.last_number if counter else 0
        case = operations.create_case(
            office, None, CaseDetails("ar", "in_person", contact_phone="+963 944 100 200"),
            head=PersonDetails("male", "head", "unharmed", name_latin="Samir Haddad",
                               approximate_age=40))
        assert case.reference == f"RQA-{year}-{last + 1:06d}"
        db.session.rollback()


def test_generated_names_are_found_by_the_name_search(app, create_office, create_user):
    office_id = create_office("RQA")
    supervisor_id = create_user("supervisor", office_id)
    with app.app_context():
        generate_cases(100, ["RQA"], seed=3)
        supervisor = db.session.get(User, supervisor_id)
        name = db.session.scalar(select(Person.name_latin).order_by(Person.id))
        given = name.split()[0]
        results = search_cases(supervisor, given)
        assert results.hits
        assert all(hit.case.office_id == office_id for hit in results.hits)


def test_generation_needs_existing_offices_and_is_refused_in_production(app, create_office):
    result = _generate(app, "--cases", "10", "--offices", "XYZ")
    assert result.exit_code != 0 and "Unknown office XYZ" in result.output
    create_office("RQA")
    app.config["CASEWORK_ENV"] = "production"
    try:
        result = _generate(app, "--cases", "10", "--offices", "RQA")
    finally:
        app.config["CASEWORK_ENV"] = "testing"
    assert result.exit_code != 0 and "refused" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0


@pytest.mark.skipif(is_postgresql(), reason="the bulk load that sets indexes aside is SQLite's")
def test_the_sqlite_bulk_load_puts_back_every_index_and_trigger(app, create_office):
    create_office("RQA")

    def schema() -> set:
        with app.app_context():
            return set(db.session.execute(text(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')")))

    before = schema()
    assert _generate(app, "--cases", "120", "--offices", "RQA", "--batch-size", "100").exit_code == 0
    assert schema() == before
    with app.app_context():
        # Every generated person is in the rebuilt full-text index.
        for person_id, key in db.session.execute(select(Person.id, Person.name_latin_norm)):
            found = db.session.scalars(text(
                "SELECT rowid FROM persons_fts WHERE persons_fts MATCH :q"),
                {"q": '"' + key.split()[-1] + '"'}).all()
            assert person_id in found
