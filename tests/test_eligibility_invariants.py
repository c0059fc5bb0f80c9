"""Random sequences of workflow actions by random users, with the invariants checked after
every step (Hypothesis stateful testing, through the real operations and database).

Users: the assigned caseworker and another caseworker of the office, two supervisors
of the office, a supervisor and a caseworker of another office. A user acts only where
the authorization table lets them (as the views do); the operations and the lifecycle
decide the rest. After each step:

- no decision was made by whoever recommended it;
- no appeal was decided by the supervisor who made the decision appealed;
- every recorded step of the case history has its audit event;
- history is never rewritten: earlier steps, decisions, appeals and decided rounds are
  exactly as they were;
- another office's users never changed anything.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.core.authz import Action, Role, can
from casework.core.dates import office_today
from casework.core.errors import DomainError
from casework.eligibility import operations
from casework.eligibility.models import Appeal, EligibilityDecision, Finding, Review, ReviewStatus
from casework.eligibility.rounds import current_review
from casework.extensions import db
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
)
from casework.intake.models import Case, CaseTransition

MOVES = [
    "start_review", "findings", "recommend", "decide", "deliver", "appeal", "decide_appeal",
    "reopen", "withdraw", "activity", "promote",
]
# The authorization table's action for each move (checked on the case, as the views do).
MOVE_ACTIONS = {
    "start_review": Action.transition_case,
    "findings": Action.review_eligibility,
    "recommend": Action.review_eligibility,
    "decide": Action.decide_eligibility,
    "deliver": Action.record_decision_delivery,
    "appeal": Action.record_appeal,
    "decide_appeal": Action.decide_appeal,
    "reopen": Action.transition_case,
    "withdraw": Action.transition_case,
    "activity": Action.review_eligibility,
    "promote": Action.review_eligibility,
}


def _delivered(case: Case) -> bool:
    return bool(db.session.scalar(
        select(EligibilityDecision.delivered_on).where(EligibilityDecision.case_id == case.id)
        .order_by(EligibilityDecision.id.desc()).limit(1)))


SUPERVISORS_FIRST = ["supervisor", "supervisor_2", "caseworker", "caseworker_2",
                     "other_supervisor", "other_caseworker"]


def _users_for(move: str) -> list[str]:
    if move in ("decide", "decide_appeal", "reopen"):
        return SUPERVISORS_FIRST
    if move == "promote":
        return ["caseworker_2", *[u for u in USERS if u != "caseworker_2"]]
    return USERS


def _fitting_moves(case: Case) -> list[str]:
    """The moves that can make progress from the case's stage."""
    stage = case.stage.value
    if stage == "under_review":
        review = current_review(case)
        if review is not None and review.status == ReviewStatus.recommended:
            return ["decide", "promote"]
        if review is not None and len(review.findings) < len(review.criteria_version.criteria):
            return ["findings", "recommend"]
        return ["recommend", "findings"]
    return {
        "registered": ["start_review"],
        "reopened": ["start_review"],
        "ineligible": (["appeal", "reopen", "deliver"] if _delivered(case)
                       else ["deliver", "appeal", "reopen"]),
        "appeal": ["decide_appeal"],
    }.get(stage, [])
USERS = ["caseworker", "caseworker_2", "supervisor", "supervisor_2", "other_supervisor",
         "other_caseworker"]


def _snapshot(case_id: int) -> dict:
    """The case's history rows as they are now, keyed by table and id."""
    steps = {
        ("step", t.id): (t.case_id, t.from_stage, t.to_stage, t.action, t.actor_id, t.at, t.reason)
        for t in db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == case_id))
    }
    decisions = {
        ("decision", d.id): (d.review_id, d.transition_id, d.outcome, d.reasons, d.decided_by_id,
                             d.decided_at)
        for d in db.session.scalars(
            select(EligibilityDecision).where(EligibilityDecision.case_id == case_id))
    }
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.case_id == case_id)))
    recorded_appeals = {("appeal", a.id): (a.decision_id, a.grounds, a.lodged_on, a.recorded_by_id)
                        for a in appeals}
    decided_appeals = {("appeal_outcome", a.id): (a.outcome, a.outcome_reasons, a.decided_by_id)
                       for a in appeals if a.outcome is not None}
    frozen_rounds = {}
    for review in db.session.scalars(
            select(Review).where(Review.case_id == case_id)
            .options(selectinload(Review.findings).selectinload(Finding.evidence_links))):
        if review.status != ReviewStatus.open:
            frozen_rounds[("round", review.id)] = (
                review.recommendation, review.recommendation_reasons, review.recommended_by_id,
                tuple(sorted((f.criterion_id, f.value, f.note,
                              tuple(sorted(link.evidence_id for link in f.evidence_links)))
                             for f in review.findings)),
            )
    return {**steps, **decisions, **recorded_appeals, **decided_appeals, **frozen_rounds}


def test_random_workflows_keep_the_invariants(app, create_office, create_user, open_case,
                                              default_criteria):
    office_id = create_office()
    elsewhere = create_office()
    user_ids = {
        "caseworker": create_user(Role.caseworker, office_id=office_id),
        "caseworker_2": create_user(Role.caseworker, office_id=office_id),
        "supervisor": create_user(Role.supervisor, office_id=office_id),
        "supervisor_2": create_user(Role.supervisor, office_id=office_id),
        "other_supervisor": create_user(Role.supervisor, office_id=elsewhere),
        "other_caseworker": create_user(Role.caseworker, office_id=elsewhere),
    }

    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.context = app.app_context()
            self.context.push()
            # Promotions of an earlier run are undone: each run starts with the same staff.
            db.session.get(User, user_ids["caseworker_2"]).role = Role.caseworker
            db.session.commit()
            self.case_id = open_case(office_id, caseworker_id=user_ids["caseworker"],
                                     register=True)
            self.history = _snapshot(self.case_id)
            self.committed = False

        def teardown(self):
            db.session.rollback()
            db.session.remove()
            self.context.pop()

        def _case(self) -> Case:
            db.session.expire_all()
            return db.session.get(Case, self.case_id)

        @rule(data=st.data())
        def act(self, data):
            case = self._case()
            # Half of the steps try a move that fits the stage (so that runs get far);
            # the others any move. The user is always drawn from everyone.
            fitting = _fitting_moves(case)
            wander = data.draw(st.booleans(), "wander")
            move = data.draw(st.sampled_from(MOVES if wander or not fitting else fitting), "move")
            # Everyone can be drawn; the staff who would usually act come first.
            who = data.draw(st.sampled_from(_users_for(move)), "who")
            choice = data.draw(st.integers(min_value=0, max_value=2), "choice")
            user = db.session.get(User, user_ids[who])
            self.committed = False
            if not can(user, MOVE_ACTIONS[move], case):
                return
            assert user.office_id == case.office_id, "another office's user got through"
            before = (case.stage, case.version)
            try:
                self._perform(move, case, user, choice)
            except DomainError:
                db.session.rollback()
                case = self._case()
                assert (case.stage, case.version) == before
                return
            db.session.commit()
            self.committed = True

        def _perform(self, move, case, user, choice):
            version = case.version
            if move == "start_review":
                apply_case_transition(case, CaseAction.start_review, user,
                                      expected_version=version)
            elif move == "findings":
                review = current_review(case)
                criteria = review.criteria_version.criteria if review is not None else []
                values = ["met", "not_met", "unknown"]
                operations.record_findings(
                    case, [operations.FindingInput(c.id, values[(choice + i) % 3])
                           for i, c in enumerate(criteria)], user, version)
            elif move == "recommend":
                operations.recommend(case, ["eligible", "ineligible", "eligible"][choice],
                                     "Because of the findings.", user, version)
            elif move == "decide":
                operations.decide(case, ["ineligible", "eligible", "more_information"][choice],
                                  "Reasons of the decision.", user, version)
            elif move == "deliver":
                decision = db.session.scalars(
                    select(EligibilityDecision).where(EligibilityDecision.case_id == case.id)
                    .order_by(EligibilityDecision.id.desc()).limit(1)).first()
                if decision is None:
                    raise DomainError("no decision yet")
                operations.record_decision_delivery(case, decision, office_today(case), user)
            elif move == "appeal":
                operations.lodge_appeal(case, "Grounds of the appeal.", office_today(case), [],
                                        user, version)
            elif move == "decide_appeal":
                operations.decide_appeal(case, ["upheld", "dismissed", "upheld"][choice],
                                         "Reasons of the appeal decision.", user, version)
            elif move == "reopen":
                operations.reopen(case, "New facts.", user, version)
            elif move == "withdraw":
                if choice != 2:  # rarely: a withdrawn case ends the run
                    raise DomainError("not this time")
                apply_case_transition(case, CaseAction.withdraw, user, expected_version=version,
                                      reason="The family asked.")
            elif move == "promote":
                # A caseworker who recommended, promoted to supervisor, tries to decide next.
                if user.id != user_ids["caseworker_2"] or user.role != Role.caseworker:
                    raise DomainError("only the second caseworker is promoted")
                user.role = Role.supervisor
                db.session.flush()
            elif move == "activity":
                operations.record_activity(case, operations.ActivityDetails(
                    kind="witness_interview", occurred_on=office_today(case) - timedelta(days=1),
                    place="al-Badu, Raqqa", participants="A neighbour", summary="Saw the strike.",
                ), user)

        @invariant()
        def invariants_hold(self):
            # A refused step was rolled back (checked in `act`): nothing to look at again.
            if not self.committed:
                return
            self.no_decision_by_its_recommender()
            self.no_appeal_decided_by_the_original_decider()
            self.every_step_is_audited()
            self.history_is_never_rewritten()
            self.the_stage_is_where_the_last_step_led()
            self.findings_belong_to_their_round_checklist()

        def no_decision_by_its_recommender(self):
            for decision, review in db.session.execute(
                    select(EligibilityDecision, Review)
                    .join(Review, Review.id == EligibilityDecision.review_id)
                    .where(EligibilityDecision.case_id == self.case_id)):
                assert decision.decided_by_id != review.recommended_by_id

        def no_appeal_decided_by_the_original_decider(self):
            for appeal, decision in db.session.execute(
                    select(Appeal, EligibilityDecision)
                    .join(EligibilityDecision, EligibilityDecision.id == Appeal.decision_id)
                    .where(Appeal.case_id == self.case_id, Appeal.outcome.is_not(None))):
                assert appeal.decided_by_id != decision.decided_by_id

        def every_step_is_audited(self):
            steps = set(db.session.scalars(
                select(CaseTransition.id).where(CaseTransition.case_id == self.case_id)))
            audited = {int(entity_id) for entity_id in db.session.scalars(
                select(AuditEvent.entity_id).where(AuditEvent.case_id == self.case_id,
                                                   AuditEvent.entity_type == "case_transitions",
                                                   AuditEvent.action == "create"))}
            assert steps <= audited

        def history_is_never_rewritten(self):
            now = _snapshot(self.case_id)
            for key, value in self.history.items():
                assert now.get(key) == value, key
            self.history = now

        def the_stage_is_where_the_last_step_led(self):
            case = self._case()
            if case.transitions:
                assert case.stage == case.transitions[-1].to_stage

        def findings_belong_to_their_round_checklist(self):
            for finding in db.session.scalars(
                    select(Finding).where(Finding.case_id == self.case_id)):
                assert finding.criterion.version_id == finding.review.criteria_version_id

    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=40, stateful_step_count=20, deadline=None, database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
    # The runs went through the whole workflow, not only refused steps.
    with app.app_context():
        reached = {step.action for step in db.session.scalars(select(CaseTransition))}
    assert {"start_review", "recommend", "decide_eligible", "decide_ineligible",
            "request_more_information", "appeal"} <= reached, reached
