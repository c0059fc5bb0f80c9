"""Eligibility fixtures: the default criteria, and cases taken to any stage of the
workflow through the real operations (lifecycle checks, records, audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.auth.models import User
from casework.core.authz import Role
from casework.core.dates import office_today
from casework.eligibility import operations
from casework.eligibility.models import EligibilityDecision
from casework.eligibility.rounds import current_review
from casework.extensions import db
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
)
from casework.intake.models import Case, CaseStage


@dataclass
class WorkflowCase:
    """A case and the people of its office who worked on it."""

    case_id: int
    office_id: int
    caseworker_id: int
    supervisor_id: int
    # A second supervisor: decides appeals of the first one's decisions.
    other_supervisor_id: int


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def record_all_findings(case: Case, actor: User, value: str = "met") -> None:
    review = current_review(case)
    operations.record_findings(
        case,
        [operations.FindingInput(criterion.id, value)
         for criterion in review.criteria_version.criteria],
        actor, None,
    )


def advance(case: Case, stage: CaseStage, people: WorkflowCase) -> None:
    """Take a registered case to `stage` the way the office would (flushes only)."""
    caseworker = _user(people.caseworker_id)
    supervisor = _user(people.supervisor_id)
    other = _user(people.other_supervisor_id)
    path = {
        CaseStage.registered: [],
        CaseStage.under_review: ["review"],
        CaseStage.eligible: ["review", "recommend", "eligible"],
        CaseStage.ineligible: ["review", "recommend", "ineligible", "deliver"],
        CaseStage.appeal: ["review", "recommend", "ineligible", "deliver", "appeal"],
        CaseStage.reopened: ["review", "recommend", "ineligible", "deliver", "reopen"],
    }[stage]
    for step in path:
        if step == "review":
            apply_case_transition(case, CaseAction.start_review, caseworker,
                                  expected_version=None)
        elif step == "recommend":
            record_all_findings(case, caseworker)
            operations.recommend(case, "eligible", "Every criterion is met.", caseworker, None)
        elif step == "eligible":
            operations.decide(case, "eligible", None, supervisor, None)
        elif step == "ineligible":
            operations.decide(case, "ineligible", "The incident could not be verified.",
                              supervisor, None)
        elif step == "deliver":
            decision = case_decisions(case)[-1]
            operations.record_decision_delivery(case, decision, office_today(case), caseworker)
        elif step == "appeal":
            operations.lodge_appeal(case, "A neighbour saw the strike.", office_today(case), [],
                                    caseworker, None)
        elif step == "reopen":
            operations.reopen(case, "New witness statement.", other, None)


def case_decisions(case: Case) -> list[EligibilityDecision]:
    return list(db.session.scalars(
        select(EligibilityDecision).where(EligibilityDecision.case_id == case.id)
        .order_by(EligibilityDecision.id)))


@pytest.fixture
def default_criteria(app):
    """Publish the default checklist (the rows the migration seeds are gone after a test)."""
    with app.app_context():
        version = operations.ensure_default_criteria()
        db.session.commit()
        return version.id


@pytest.fixture
def workflow_case(app, create_office, create_user, open_case, default_criteria):
    """Factory: a case of a new office taken to `stage`; returns a WorkflowCase."""

    def create(stage: CaseStage = CaseStage.registered, office_id: int | None = None,
               **case_options) -> WorkflowCase:
        office_id = office_id or create_office()
        caseworker_id = create_user(Role.caseworker, office_id=office_id)
        people = WorkflowCase(
            case_id=open_case(office_id, caseworker_id=caseworker_id, register=True,
                              **case_options),
            office_id=office_id,
            caseworker_id=caseworker_id,
            supervisor_id=create_user(Role.supervisor, office_id=office_id),
            other_supervisor_id=create_user(Role.supervisor, office_id=office_id),
        )
        with app.app_context():
            case = db.session.get(Case, people.case_id)
            advance(case, CaseStage(stage), people)
            db.session.commit()
        return people

    return create


def days_ago(case: Case, days: int) -> date:
    return office_today(case) - timedelta(days=days)
