"""Eligibility's rows of the case lifecycle: the review, the decision, appeals, reopening.

Declared here, registered into intake's case lifecycle when eligibility's blueprint is
set up (:func:`register_lifecycle`). The rows' preconditions read eligibility's own
records (review rounds, decisions, appeals); their effects open review rounds and start
the deadlines the family and the supervisors work to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from casework.core.authz import Role
from casework.core.dates import date_text, office_today
from casework.core.lifecycle import Effect, Transition
from casework.eligibility.models import DecisionOutcome, ReviewReason, ReviewStatus
from casework.eligibility.rounds import (
    appeal_of,
    current_criteria_version,
    current_review,
    latest_decision,
    missing_findings,
    open_appeal,
    open_review_round,
    resolve_reconsiderations,
)
from casework.intake.lifecycle import (
    CASE_LIFECYCLE,
    CASE_WORKERS,
    SUPERVISORS,
    CaseAction,
    clear_deadline,
    deadline_days,
    register_deadlines,
    start_deadline,
)
from casework.intake.models.cases import Case, CaseStage

DEADLINE_DAYS = {
    # From the delivery of an ineligible decision's letter to the family.
    "appeal_window": 60,
    # After the window closes: an appeal the family lodged in time (by post, at another
    # office) can still be recorded for this long. Timeliness is judged by the date the
    # family lodged it, not the day it is recorded.
    "appeal_recording": 30,
    "appeal_decision": 60,
}


def criteria_published(case: Case, actor: Any) -> Any:
    if current_criteria_version() is None:
        return _l("No eligibility criteria are published yet: an administrator publishes "
                  "the checklist first.")
    return None


def review_open(case: Case, actor: Any) -> Any:
    review = current_review(case)
    if review is not None and review.status == ReviewStatus.recommended:
        return _l("The recommendation is made: it awaits a supervisor's decision.")
    if review is None or review.status != ReviewStatus.open:
        return _l("No review round is open for a recommendation.")
    return None


def every_criterion_has_finding(case: Case, actor: Any) -> Any:
    review = current_review(case)
    if review is None or review.status != ReviewStatus.open:
        return None
    missing = missing_findings(review)
    if missing:
        return _l("Record a finding (met, not met or unknown) for every criterion "
                  "(%(count)d missing).", count=missing)
    return None


def recommendation_awaits_decision(case: Case, actor: Any) -> Any:
    review = current_review(case)
    if review is None or review.status != ReviewStatus.recommended:
        return _l("The caseworker's recommendation comes first: there is none awaiting a "
                  "decision.")
    return None


def decider_is_not_recommender(case: Case, actor: Any) -> Any:
    review = current_review(case)
    if review is not None and review.status == ReviewStatus.recommended \
            and review.recommended_by_id == actor.id:
        return _l("You recommended this decision: another supervisor decides.")
    return None


def appeal_window_open(case: Case, actor: Any) -> Any:
    decision = latest_decision(case)
    if decision is None or decision.outcome != DecisionOutcome.ineligible:
        return _l("Only an ineligible decision can be appealed.")
    if appeal_of(decision) is not None:
        return _l("This decision was already appealed.")
    if decision.delivered_on is None:
        return _l("Record the date the decision letter was delivered: the appeal window "
                  "runs from it.")
    last_recording_day = decision.appeal_due_on + timedelta(days=deadline_days("appeal_recording"))
    if office_today(case) > last_recording_day:
        return _l("The appeal window closed on %(date)s, and an appeal lodged in time could be "
                  "recorded until %(last)s.", date=date_text(decision.appeal_due_on),
                  last=date_text(last_recording_day))
    return None


def appeal_decider_is_not_original_decider(case: Case, actor: Any) -> Any:
    appeal = open_appeal(case)
    if appeal is None:
        return _l("There is no appeal awaiting a decision.")
    if appeal.decision.decided_by_id == actor.id:
        return _l("You made the decision under appeal: another supervisor decides the appeal.")
    return None


def open_review(reason: ReviewReason) -> Effect:
    def effect(case: Case, actor: Any) -> None:
        open_review_round(case, actor, reason)

    effect.__name__ = f"open_review_{reason}"
    return effect


def resolve_reconsideration(case: Case, actor: Any) -> None:
    resolve_reconsiderations(case, actor)


DECISION_REQUIREMENTS = (recommendation_awaits_decision, decider_is_not_recommender)
SUPERVISOR_DECISION = _l("a supervisor's decision on the recommendation")
APPEAL_DECISION = _l("a decision on the appeal by a supervisor who did not make the first one")

ELIGIBILITY_TRANSITIONS: dict[tuple[CaseStage, CaseAction], Transition] = {
    # Eligibility review: rounds of findings, a recommendation, a supervisor's decision.
    (CaseStage.registered, CaseAction.start_review): Transition(
        to=CaseStage.under_review,
        roles=CASE_WORKERS,
        preconditions=(criteria_published,),
        effects=(open_review(ReviewReason.first_review),),
        awaited=_l("the start of the eligibility review"),
    ),
    (CaseStage.reopened, CaseAction.start_review): Transition(
        to=CaseStage.under_review,
        roles=CASE_WORKERS,
        preconditions=(criteria_published,),
        effects=(open_review(ReviewReason.reopened), start_deadline("eligibility_decision")),
    ),
    # A recording, not a change of stage: the step keeps the stage, so the table says who
    # may recommend and when, and the history shows it.
    (CaseStage.under_review, CaseAction.recommend): Transition(
        to=CaseStage.under_review,
        roles=frozenset({Role.caseworker}),
        preconditions=(review_open, every_criterion_has_finding),
        reason_required=True,
        awaited=_l("the caseworker's findings and recommendation"),
    ),
    (CaseStage.under_review, CaseAction.decide_eligible): Transition(
        to=CaseStage.eligible,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        effects=(clear_deadline,),
        awaited=SUPERVISOR_DECISION,
    ),
    (CaseStage.under_review, CaseAction.decide_ineligible): Transition(
        to=CaseStage.ineligible,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        reason_required=True,
        effects=(clear_deadline,),
        awaited=SUPERVISOR_DECISION,
    ),
    # Back to the caseworker in a new round; the request becomes a letter to the family.
    (CaseStage.under_review, CaseAction.request_more_information): Transition(
        to=CaseStage.under_review,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        reason_required=True,
        effects=(open_review(ReviewReason.more_information),),
        awaited=SUPERVISOR_DECISION,
    ),
    # Appeals: lodged within the window, decided by another supervisor than the decider.
    (CaseStage.ineligible, CaseAction.appeal): Transition(
        to=CaseStage.appeal,
        roles=CASE_WORKERS,
        preconditions=(appeal_window_open,),
        reason_required=True,
        effects=(start_deadline("appeal_decision"),),
    ),
    (CaseStage.appeal, CaseAction.uphold_appeal): Transition(
        to=CaseStage.under_review,
        roles=SUPERVISORS,
        preconditions=(appeal_decider_is_not_original_decider, criteria_published),
        reason_required=True,
        effects=(open_review(ReviewReason.appeal_upheld), start_deadline("eligibility_decision")),
        awaited=APPEAL_DECISION,
    ),
    (CaseStage.appeal, CaseAction.dismiss_appeal): Transition(
        to=CaseStage.ineligible,
        roles=SUPERVISORS,
        preconditions=(appeal_decider_is_not_original_decider,),
        reason_required=True,
        effects=(clear_deadline,),
        awaited=APPEAL_DECISION,
    ),
    # Reconsideration: earlier decisions stay; the case goes back towards under_review.
    **{
        (stage, CaseAction.reopen): Transition(
            to=CaseStage.reopened,
            roles=SUPERVISORS,
            reason_required=True,
            effects=(resolve_reconsideration, clear_deadline),
        )
        for stage in (CaseStage.ineligible, CaseStage.closed)
    },
}

ELIGIBILITY_LABELS = {
    CaseAction.start_review: _l("Start the eligibility review"),
    CaseAction.recommend: _l("Recommend a decision"),
    CaseAction.decide_eligible: _l("Decide: eligible"),
    CaseAction.decide_ineligible: _l("Decide: ineligible"),
    CaseAction.request_more_information: _l("Request more information"),
    CaseAction.appeal: _l("Record the family's appeal"),
    CaseAction.uphold_appeal: _l("Uphold the appeal: review again"),
    CaseAction.dismiss_appeal: _l("Dismiss the appeal"),
    CaseAction.reopen: _l("Reopen the case"),
}

# Each of these records more than a reason, on its own page, in the same transaction.
ELIGIBILITY_PAGES = {
    CaseAction.recommend: "eligibility.recommend",
    CaseAction.decide_eligible: "eligibility.decide",
    CaseAction.decide_ineligible: "eligibility.decide",
    CaseAction.request_more_information: "eligibility.decide",
    CaseAction.appeal: "eligibility.appeal_new",
    CaseAction.uphold_appeal: "eligibility.appeal_decide",
    CaseAction.dismiss_appeal: "eligibility.appeal_decide",
}


def register_lifecycle() -> None:
    """Eligibility's rows and deadlines (called when eligibility's blueprint is set up)."""
    register_deadlines(DEADLINE_DAYS)
    CASE_LIFECYCLE.register(ELIGIBILITY_TRANSITIONS, labels=ELIGIBILITY_LABELS,
                            pages=ELIGIBILITY_PAGES)
