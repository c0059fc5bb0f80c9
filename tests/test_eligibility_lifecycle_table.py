"""Every (stage, action, role) combination of the case lifecycle, generated from the table.

Nothing here lists the rows by hand: the combinations come from CASE_TRANSITIONS, so
rows other domains add (acknowledgement, closing) are covered too. No HTTP.

- Forbidden (no row for the stage and action, or the role is not in the row): applying
  it on a real case is refused with the stage or role reason, and nothing changes.
- Allowed (the row grants the role): only the row's own preconditions can stand in the
  way; with them met (for the rows whose records this suite knows how to make), the
  step applies, is recorded with who, when, from where and why, and is audited.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.core.authz import Role
from casework.core.dates import office_today
from casework.core.lifecycle import TransitionRefused
from casework.eligibility import operations
from casework.extensions import db
from casework.intake.lifecycle import (
    ACTION_PAGES,
    CASE_LIFECYCLE,
    CASE_TRANSITIONS,
    CaseAction,
    apply_case_transition,
)
from casework.intake.models import Case, CaseStage, CaseTransition
from tests.fixtures_eligibility import record_all_findings

ALL_ROLES = list(Role)
ALLOWED = sorted(
    (stage, action, role)
    for (stage, action), transition in CASE_TRANSITIONS.items()
    for role in transition.roles
)
# Stages the workflow fixture reaches through its operations; the others are set directly
# on a case that reached the nearest one (a test double for what later issues do).
REACHED = {
    CaseStage.registered: CaseStage.registered,
    CaseStage.under_review: CaseStage.under_review,
    CaseStage.eligible: CaseStage.eligible,
    CaseStage.ineligible: CaseStage.ineligible,
    CaseStage.appeal: CaseStage.appeal,
    CaseStage.reopened: CaseStage.reopened,
    CaseStage.acknowledged: CaseStage.eligible,
    CaseStage.compensation: CaseStage.eligible,
    CaseStage.closed: CaseStage.ineligible,
    CaseStage.withdrawn: CaseStage.registered,
    CaseStage.merged: CaseStage.registered,
}


def _id(combination) -> str:
    return "-".join(str(part) for part in combination)


def _stage_refusal(stage, action) -> str:
    return f"“{action}” is not possible at stage “{stage}”."


def _role_refusal(action) -> str:
    return f"Your role may not do “{action}”."


@pytest.fixture
def case_at(app, workflow_case, open_case, create_office, create_user):
    """Factory: (case id, people) with the case at `stage`."""

    def make(stage: CaseStage):
        if stage == CaseStage.intake:
            office_id = create_office()
            people = SimpleNamespace(
                office_id=office_id,
                caseworker_id=create_user(Role.caseworker, office_id=office_id),
                supervisor_id=create_user(Role.supervisor, office_id=office_id),
                other_supervisor_id=create_user(Role.supervisor, office_id=office_id),
            )
            people.case_id = open_case(office_id, caseworker_id=people.caseworker_id)
            return people
        people = workflow_case(REACHED[stage])
        if REACHED[stage] != stage:
            with app.app_context():
                case = db.session.get(Case, people.case_id)
                case.stage = stage
                db.session.commit()
        return people

    return make


def _actor_for(role: Role, action: CaseAction, people, office_id: int, create_user) -> int:
    """A user of the role who is not barred by maker-checker rules for this action."""
    if role == Role.caseworker:
        return people.caseworker_id
    if role == Role.supervisor:
        if action in (CaseAction.uphold_appeal, CaseAction.dismiss_appeal):
            return people.other_supervisor_id
        return people.supervisor_id
    return create_user(role)


def _prepare(case: Case, action: CaseAction, people, survivor_id: int | None) -> None:
    """Meet the preconditions this suite knows how to meet (records of the workflow)."""
    if action == CaseAction.recommend:
        record_all_findings(case, db.session.get(User, people.caseworker_id))
    elif action in (CaseAction.decide_eligible, CaseAction.decide_ineligible,
                    CaseAction.request_more_information):
        caseworker = db.session.get(User, people.caseworker_id)
        record_all_findings(case, caseworker)
        operations.recommend(case, "eligible", "All criteria met.", caseworker, None)
    elif action == CaseAction.merge:
        # Set by the duplicates domain's merge, the only way to merge.
        case.merged_into_id = survivor_id
    db.session.flush()


@pytest.mark.parametrize("stage", list(CaseStage), ids=str)
def test_forbidden_combinations_are_refused_and_change_nothing(
        app, stage, case_at, create_user):
    people = case_at(stage)
    user_ids = {Role.caseworker: people.caseworker_id, Role.supervisor: people.supervisor_id,
                Role.auditor: create_user(Role.auditor), Role.admin: create_user(Role.admin)}
    with app.app_context():
        users = {role: db.session.get(User, user_id) for role, user_id in user_ids.items()}
        case = db.session.get(Case, people.case_id)
        version, steps = case.version, db.session.scalar(
            select(func.count()).select_from(CaseTransition))
        checked = 0
        for action in CaseAction:
            transition = CASE_TRANSITIONS.get((stage, action))
            for role in ALL_ROLES:
                if transition is not None and role in transition.roles:
                    continue
                with pytest.raises(TransitionRefused) as refused:
                    apply_case_transition(case, action, users[role], expected_version=None,
                                          reason="A reason.")
                expected = (_stage_refusal(stage, action) if transition is None
                            else _role_refusal(action))
                assert [str(reason) for reason in refused.value.reasons] == [expected]
                checked += 1
        db.session.rollback()
        case = db.session.get(Case, people.case_id)
        assert (case.stage, case.version) == (stage, version)
        assert db.session.scalar(select(func.count()).select_from(CaseTransition)) == steps
        assert checked == sum(
            1 for action in CaseAction for role in ALL_ROLES
            if not ((stage, action) in CASE_TRANSITIONS
                    and role in CASE_TRANSITIONS[(stage, action)].roles)
        )


@pytest.mark.parametrize("combination", ALLOWED, ids=_id)
def test_allowed_combinations_are_stopped_only_by_their_preconditions(
        app, combination, case_at, create_user, open_case):
    stage, action, role = combination
    people = case_at(stage)
    survivor_id = (open_case(people.office_id, caseworker_id=people.caseworker_id)
                   if action == CaseAction.merge else None)
    actor_id = _actor_for(role, action, people, people.office_id, create_user)
    with app.app_context():
        actor = db.session.get(User, actor_id)
        case = db.session.get(Case, people.case_id)
        _prepare(case, action, people, survivor_id)
        transition = CASE_TRANSITIONS[(stage, action)]
        unmet = [str(reason) for precondition in transition.preconditions
                 if (reason := precondition(case, actor))]
        refusals = [str(reason) for reason in CASE_LIFECYCLE.refusals(case, action, actor)]
        # Neither the stage nor the role stands in the way: only the row's preconditions.
        assert refusals == unmet
        # The workflow's own rows are prepared: they must really apply, not be skipped.
        assert action not in KNOWN_PREPARED or not unmet, unmet
        if unmet:
            # A row whose records this suite cannot make (another domain's): refused with
            # exactly its preconditions' reasons.
            with pytest.raises(TransitionRefused) as refused:
                apply_case_transition(case, action, actor, expected_version=case.version,
                                      reason="A reason.")
            assert [str(reason) for reason in refused.value.reasons] == unmet
            return
        if action in ACTION_PAGES and action in KNOWN_PREPARED:
            step = _apply_through_operation(case, action, actor)
        else:
            step = apply_case_transition(case, action, actor, expected_version=case.version,
                                         reason="A reason.")
        db.session.commit()
        step_id = step.id
    with app.app_context():
        step = db.session.get(CaseTransition, step_id)
        assert (step.from_stage, step.to_stage, step.action, step.actor_id) == (
            stage, transition.to, str(action), actor.id)
        assert step.at is not None
        if transition.reason_required:
            assert step.reason
        assert db.session.get(Case, people.case_id).stage == transition.to
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "case_transitions", AuditEvent.entity_id == str(step_id),
            AuditEvent.action == "create")) == 1


# Rows whose preconditions the fixtures meet: they must really apply.
KNOWN_PREPARED = {
    CaseAction.register, CaseAction.withdraw, CaseAction.merge, CaseAction.start_review,
    CaseAction.recommend, CaseAction.decide_eligible, CaseAction.decide_ineligible,
    CaseAction.request_more_information, CaseAction.appeal, CaseAction.uphold_appeal,
    CaseAction.dismiss_appeal, CaseAction.reopen,
}


def _apply_through_operation(case: Case, action: CaseAction, actor: User) -> CaseTransition:
    """Actions with their own page write a record with the step: use their operation."""
    reason = "Reasons given to the family."
    if action == CaseAction.recommend:
        operations.recommend(case, "eligible", reason, actor, case.version)
    elif action in operations.DECISION_ACTIONS.values():
        outcome = next(o for o, a in operations.DECISION_ACTIONS.items() if a == action)
        operations.decide(case, outcome, reason, actor, case.version)
    elif action == CaseAction.appeal:
        operations.lodge_appeal(case, reason, office_today(case), [], actor, case.version)
    elif action in operations.APPEAL_ACTIONS.values():
        outcome = next(o for o, a in operations.APPEAL_ACTIONS.items() if a == action)
        operations.decide_appeal(case, outcome, reason, actor, case.version)
    else:
        raise AssertionError(f"no operation known for {action}")
    return db.session.scalars(
        select(CaseTransition).where(CaseTransition.case_id == case.id)
        .order_by(CaseTransition.id.desc()).limit(1)
    ).one()


def test_the_workflow_rows_are_in_the_table():
    assert {action for (_, action) in CASE_TRANSITIONS} >= KNOWN_PREPARED
