"""Two supervisors deciding the same case at the same moment: exactly one decision stands
(PostgreSQL: real concurrent transactions; the case row's version decides)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.core.errors import DomainError
from casework.eligibility import operations
from casework.eligibility.models import EligibilityDecision
from casework.extensions import db
from casework.intake.models import Case, CaseStage, CaseTransition
from tests.conftest import is_postgresql
from tests.fixtures_eligibility import record_all_findings

pytestmark = pytest.mark.skipif(not is_postgresql(),
                                reason="concurrent transactions need PostgreSQL")


def test_two_supervisors_deciding_at_once_make_one_decision(app, workflow_case):
    people = workflow_case(CaseStage.under_review)
    with app.app_context():
        case = db.session.get(Case, people.case_id)
        caseworker = db.session.get(User, people.caseworker_id)
        record_all_findings(case, caseworker)
        operations.recommend(case, "eligible", "Met.", caseworker, None)
        db.session.commit()
        version = case.version
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(supervisor_id: int, outcome: str) -> None:
        with app.app_context():
            case = db.session.get(Case, people.case_id)
            supervisor = db.session.get(User, supervisor_id)
            start.wait()
            try:
                operations.decide(case, outcome, "Reasons.", supervisor, version)
                db.session.commit()
                outcomes.append("decided")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    workers = [threading.Thread(target=decide, args=(people.supervisor_id, "eligible")),
               threading.Thread(target=decide, args=(people.other_supervisor_id, "ineligible"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["decided", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EligibilityDecision)) == 1
        decided = db.session.scalar(select(func.count()).select_from(CaseTransition).where(
            CaseTransition.action.in_(["decide_eligible", "decide_ineligible"])))
        assert decided == 1
