"""Case references: per office and year, in sequence, without gaps or duplicates."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.extensions import db
from casework.intake import operations
from casework.intake.models import Case
from casework.intake.references import allocate_case_reference, office_year
from casework.intake.validation import CaseDetails, PersonDetails
from tests.conftest import is_postgresql
from tests.fixtures_intake import HEAD


def _references(app, office_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(Case.reference).where(Case.office_id == office_id).order_by(Case.id)))


def test_references_run_per_office_and_year(app, create_office, open_case):
    raqqa, tabqa = create_office("RQA"), create_office("TBQ")
    for office in (raqqa, tabqa, raqqa):
        open_case(office)
    year = datetime.now(UTC).year
    raqqa_refs = _references(app, raqqa)
    assert [r.rsplit("-", 1)[0] for r in raqqa_refs] == [f"RQA-{year}"] * 2 or \
        [r.rsplit("-", 1)[0] for r in raqqa_refs] == [f"RQA-{year + 1}"] * 2
    assert [r[-6:] for r in raqqa_refs] == ["000001", "000002"]
    assert [r[-6:] for r in _references(app, tabqa)] == ["000001"]
    assert all(re.fullmatch(r"[A-Z]{2,10}-\d{4}-\d{6}", r) for r in raqqa_refs)


def test_the_year_is_the_office_s_local_year(app, create_office):
    office_id = create_office("RQA", timezone="Asia/Damascus")
    with app.app_context():
        office = db.session.get(Office, office_id)
        # 22:30 UTC on New Year's Eve is already the new year in Damascus (UTC+3).
        new_years_eve = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
        assert office_year(office, new_years_eve) == 2027
        assert allocate_case_reference(office, new_years_eve) == "RQA-2027-000001"
        assert allocate_case_reference(office, datetime(2026, 6, 1, tzinfo=UTC)) == \
            "RQA-2026-000001"
        assert allocate_case_reference(office, new_years_eve) == "RQA-2027-000002"
        db.session.rollback()


def test_a_rolled_back_intake_gives_its_number_back(app, create_office):
    office_id = create_office("RQA")
    with app.app_context():
        office = db.session.get(Office, office_id)
        first = allocate_case_reference(office)
        db.session.rollback()
        assert allocate_case_reference(office) == first
        db.session.rollback()


def test_an_intake_refused_for_bad_input_uses_no_number(app, create_office, create_user,
                                                        open_case):
    office_id = create_office("RQA")
    caseworker_id = create_user(Role.caseworker, office_id=office_id)
    with app.app_context():
        office, actor = db.session.get(Office, office_id), db.session.get(User, caseworker_id)
        with pytest.raises(Exception, match="Unknown incident"):
            operations.create_case(office, actor, CaseDetails("ar", "in_person"), [999_999])
        db.session.rollback()
    open_case(office_id, caseworker_id=caseworker_id)
    assert [r[-6:] for r in _references(app, office_id)] == ["000001"]


@pytest.mark.skipif(not is_postgresql(), reason="concurrent intakes need PostgreSQL "
                    "(SQLite serialises all writers; set TEST_DATABASE_URL)")
def test_concurrent_intakes_get_every_number_once_without_gaps(app, create_office,
                                                              create_user, create_incident):
    threads_count, per_thread = 8, 25
    office_id = create_office("RQA")
    caseworkers = [create_user(Role.caseworker, office_id=office_id)
                   for _ in range(threads_count)]
    incident_id = create_incident()
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def intake(caseworker_id: int) -> None:
        try:
            with app.app_context():
                office = db.session.get(Office, office_id)
                actor = db.session.get(User, caseworker_id)
                barrier.wait()
                for n in range(per_thread):
                    operations.create_case(
                        office, actor, CaseDetails("ar", "in_person", contact_phone="+963 1234567"),
                        [incident_id], head=PersonDetails(**HEAD),
                    )
                    if n % 10 == 9:
                        # Some intakes fail after taking a number: it must be given back.
                        db.session.rollback()
                    else:
                        db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    workers = [threading.Thread(target=intake, args=(cw,)) for cw in caseworkers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    numbers = [int(reference[-6:]) for reference in _references(app, office_id)]
    committed = threads_count * (per_thread - per_thread // 10)
    assert len(numbers) == committed
    assert sorted(numbers) == list(range(1, committed + 1)), "no gaps, no duplicates"
