"""The case lifecycle, as ONE table: for each (stage, action), where it leads, who may, when.

Every stage of the design exists from the start (CaseStage); this table holds the
transitions intake uses (register, withdraw). The workflow adds its rows here
(start_review, decide, appeal, reopen, acknowledge, close, merge, ...) with their
preconditions and effects; nothing else changes. A precondition is a function
(case, actor) -> reason it is not met, or None. :func:`apply_case_transition` is the
only way a case changes stage.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from casework.acknowledgement.models import Acknowledgement
from casework.core.authz import Role
from casework.core.dates import office_today
from casework.core.lifecycle import Effect, Lifecycle, Offer, Transition
from casework.core.models import utcnow
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
from casework.extensions import db
from casework.intake.editing import flush_case, touch_case
from casework.intake.models.cases import OPEN_STAGES, Case, CaseStage, CaseTransition
from casework.intake.models.persons import VICTIM_HARMS


class CaseAction(StrEnum):
    register = "register"
    withdraw = "withdraw"
    merge = "merge"
    # Eligibility workflow (casework.eligibility).
    start_review = "start_review"
    recommend = "recommend"
    decide_eligible = "decide_eligible"
    decide_ineligible = "decide_ineligible"
    request_more_information = "request_more_information"
    appeal = "appeal"
    uphold_appeal = "uphold_appeal"
    dismiss_appeal = "dismiss_appeal"
    reopen = "reopen"
    # Acknowledgement (casework.acknowledgement), compensation, closing.
    acknowledge = "acknowledge"
    start_compensation = "start_compensation"
    close = "close"


ACTION_LABELS = {
    CaseAction.register: _l("Register the case"),
    CaseAction.withdraw: _l("Withdraw at the family's request"),
    CaseAction.merge: _l("Merge into the case it duplicates"),
    CaseAction.start_review: _l("Start the eligibility review"),
    CaseAction.recommend: _l("Recommend a decision"),
    CaseAction.decide_eligible: _l("Decide: eligible"),
    CaseAction.decide_ineligible: _l("Decide: ineligible"),
    CaseAction.request_more_information: _l("Request more information"),
    CaseAction.appeal: _l("Record the family's appeal"),
    CaseAction.uphold_appeal: _l("Uphold the appeal: review again"),
    CaseAction.dismiss_appeal: _l("Dismiss the appeal"),
    CaseAction.reopen: _l("Reopen the case"),
    CaseAction.acknowledge: _l("Acknowledge (when the apology is delivered)"),
    CaseAction.start_compensation: _l("Start compensation"),
    CaseAction.close: _l("Close the case"),
}

# Actions that record more than a reason are taken on their own page (endpoint), which
# writes the record (recommendation, decision, appeal) in the same transaction as the
# step; the generic stage-change route refuses them, and the case page links there.
ACTION_PAGES: dict[CaseAction, str] = {
    CaseAction.recommend: "eligibility.recommend",
    CaseAction.decide_eligible: "eligibility.decide",
    CaseAction.decide_ineligible: "eligibility.decide",
    CaseAction.request_more_information: "eligibility.decide",
    CaseAction.appeal: "eligibility.appeal_new",
    CaseAction.uphold_appeal: "eligibility.appeal_decide",
    CaseAction.dismiss_appeal: "eligibility.appeal_decide",
    # Applied by recording the delivery of the acknowledgement and apology.
    CaseAction.acknowledge: "acknowledgement.new",
}

CASE_WORKERS = frozenset({Role.caseworker, Role.supervisor})

# Days from the start of a deadline to its due date; override with CASE_DEADLINE_DAYS.
DEFAULT_DEADLINE_DAYS = {
    "intake_completion": 30,
    "eligibility_decision": 60,
    # From the delivery of an ineligible decision's letter to the family.
    "appeal_window": 60,
    # After the window closes: an appeal the family lodged in time (by post, at another
    # office) can still be recorded for this long. Timeliness is judged by the date the
    # family lodged it, not the day it is recorded.
    "appeal_recording": 30,
    "appeal_decision": 60,
}


def deadline_days(name: str) -> int:
    configured = current_app.config.get("CASE_DEADLINE_DAYS") or {}
    return int(configured.get(name, DEFAULT_DEADLINE_DAYS[name]))


# Preconditions: mandatory data and consent complete before registration.

def has_incident(case: Case, actor: Any) -> Any:
    if not case.incident_links:
        return _l("Link the case to at least one incident.")
    return None


def has_one_head_of_household(case: Case, actor: Any) -> Any:
    heads = [person for person in case.persons if person.is_head]
    if not heads:
        return _l("Record the head of household.")
    if len(heads) > 1:
        return _l("Only one member can be the head of household (%(count)d are).",
                  count=len(heads))
    return None


def has_harm_or_loss(case: Case, actor: Any) -> Any:
    if not case.losses and not any(p.harm in VICTIM_HARMS for p in case.persons):
        return _l("Record at least one person killed, injured or missing, or one loss.")
    return None


def victims_linked_to_incidents(case: Case, actor: Any) -> Any:
    unlinked = [p for p in case.persons if p.harm in VICTIM_HARMS and p.incident_id is None]
    if unlinked:
        return _l("Say in which incident each victim was harmed (%(names)s).",
                  names=", ".join(p.display_name for p in unlinked))
    return None


def has_contact(case: Case, actor: Any) -> Any:
    if not (case.contact_phone or case.contact_email or case.current_address):
        return _l("Record a way to reach the family: a phone number, an email address "
                  "or the current address.")
    return None


def has_informed_consent(case: Case, actor: Any) -> Any:
    if not case.consent_complete:
        return _l("Record the family's informed consent: the date and the consent text version.")
    return None


def is_assigned(case: Case, actor: Any) -> Any:
    if case.assigned_to_id is None:
        return _l("Assign the case to a caseworker.")
    return None


def has_merge_target(case: Case, actor: Any) -> Any:
    # Set by casework.duplicates.operations.merge_cases, the only way to merge.
    if case.merged_into_id is None or case.merged_into_id == case.id:
        return _l("Merge from the case's “Possible duplicates” page, choosing the case it "
                  "duplicates.")
    return None


# Preconditions of the eligibility workflow (records in casework.eligibility).

def criteria_published(case: Case, actor: Any) -> Any:
    if current_criteria_version() is None:
        return _l("No eligibility criteria are published yet: an administrator publishes "
                  "the checklist first.")
    return None


def review_open(case: Case, actor: Any) -> Any:
    review = current_review(case)
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
                  "recorded until %(last)s.", date=decision.appeal_due_on.isoformat(),
                  last=last_recording_day.isoformat())
    return None


def appeal_decider_is_not_original_decider(case: Case, actor: Any) -> Any:
    appeal = open_appeal(case)
    if appeal is None:
        return _l("There is no appeal awaiting a decision.")
    if appeal.decision.decided_by_id == actor.id:
        return _l("You made the decision under appeal: another supervisor decides the appeal.")
    return None



# Preconditions of acknowledgement, compensation and closing.

def has_delivered_acknowledgement(case: Case, actor: Any) -> Any:
    """The case is acknowledged when the acknowledgement and apology reached the family."""
    delivered = case.id is not None and db.session.scalar(select(exists().where(
        Acknowledgement.case_id == case.id, Acknowledgement.delivered_on.is_not(None))))
    if not delivered:
        return _l("Record the acknowledgement and apology, then their delivery to the family.")
    return None


def compensation_may_precede_acknowledgement(case: Case, actor: Any) -> Any:
    """The rule COMPENSATION_BEFORE_ACKNOWLEDGEMENT (default False) lets compensation start
    on an eligible case before the acknowledgement is delivered."""
    if not current_app.config.get("COMPENSATION_BEFORE_ACKNOWLEDGEMENT", False):
        return _l("Compensation starts once the acknowledgement and apology are delivered "
                  "(the rule “compensation before acknowledgement” is off).")
    return None


def payments_reconciled(case: Case, actor: Any) -> Any:
    """Every payment of the case is reconciled (or rejected, cancelled, failed and not
    reissued). Extension point: the Compensation issue, which brings payments, fills this
    in; until then a case has no payments, so nothing stands in the way (None)."""
    return None


def referrals_finished_or_declined(case: Case, actor: Any) -> Any:
    """Every rehabilitation referral of the case is completed, declined or without response.
    Extension point: the Rehabilitation issue, which brings referrals, fills this in; until
    then a case has no referrals, so nothing stands in the way (None)."""
    return None


CLOSING_REQUIREMENTS = (payments_reconciled, referrals_finished_or_declined)
# Closing follows the acknowledgement (with or without compensation to pay); an ineligible
# case rests at `ineligible`, where new evidence can reopen it as it would a closed one.
CLOSABLE_STAGES = (CaseStage.acknowledged, CaseStage.compensation)


REGISTRATION_REQUIREMENTS = (
    has_incident,
    has_one_head_of_household,
    has_harm_or_loss,
    victims_linked_to_incidents,
    has_contact,
    has_informed_consent,
    is_assigned,
)


# Effects, run after the stage changed.

def start_deadline(name: str) -> Effect:
    def effect(case: Case, actor: Any) -> None:
        case.due_on = office_today(case) + timedelta(days=deadline_days(name))

    effect.__name__ = f"start_deadline_{name}"
    return effect


def clear_deadline(case: Case, actor: Any) -> None:
    case.due_on = None


def mark_registered(case: Case, actor: Any) -> None:
    case.registered_at = utcnow()


def open_review(reason: ReviewReason) -> Effect:
    def effect(case: Case, actor: Any) -> None:
        open_review_round(case, actor, reason)

    effect.__name__ = f"open_review_{reason}"
    return effect


def resolve_reconsideration(case: Case, actor: Any) -> None:
    resolve_reconsiderations(case, actor)


SUPERVISORS = frozenset({Role.supervisor})
DECISION_REQUIREMENTS = (recommendation_awaits_decision, decider_is_not_recommender)


CASE_TRANSITIONS: dict[tuple[CaseStage, CaseAction], Transition] = {
    (CaseStage.intake, CaseAction.register): Transition(
        to=CaseStage.registered,
        roles=CASE_WORKERS,
        preconditions=REGISTRATION_REQUIREMENTS,
        effects=(mark_registered, start_deadline("eligibility_decision")),
    ),
    **{
        (stage, CaseAction.withdraw): Transition(
            to=CaseStage.withdrawn,
            roles=CASE_WORKERS,
            reason_required=True,
            effects=(clear_deadline,),
        )
        for stage in sorted(OPEN_STAGES)
    },
    # A duplicate claim: nothing is deleted, the case points to the surviving one.
    **{
        (stage, CaseAction.merge): Transition(
            to=CaseStage.merged,
            roles=frozenset({Role.supervisor}),
            preconditions=(has_merge_target,),
            reason_required=True,
            effects=(clear_deadline,),
        )
        for stage in sorted(OPEN_STAGES)
    },
    # Eligibility review: rounds of findings, a recommendation, a supervisor's decision.
    (CaseStage.registered, CaseAction.start_review): Transition(
        to=CaseStage.under_review,
        roles=CASE_WORKERS,
        preconditions=(criteria_published,),
        effects=(open_review(ReviewReason.first_review),),
    ),
    (CaseStage.reopened, CaseAction.start_review): Transition(
        to=CaseStage.under_review,
        roles=CASE_WORKERS,
        preconditions=(criteria_published,),
        effects=(open_review(ReviewReason.reopened), start_deadline("eligibility_decision")),
    ),
    # A recording, not a change of stage: the step keeps the stage, so the table says who
    # may recommend and when, and the history shows it (see casework.eligibility).
    (CaseStage.under_review, CaseAction.recommend): Transition(
        to=CaseStage.under_review,
        roles=frozenset({Role.caseworker}),
        preconditions=(review_open, every_criterion_has_finding),
        reason_required=True,
    ),
    (CaseStage.under_review, CaseAction.decide_eligible): Transition(
        to=CaseStage.eligible,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        effects=(clear_deadline,),
    ),
    (CaseStage.under_review, CaseAction.decide_ineligible): Transition(
        to=CaseStage.ineligible,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        reason_required=True,
        effects=(clear_deadline,),
    ),
    # Back to the caseworker in a new round; the request becomes a letter to the family.
    (CaseStage.under_review, CaseAction.request_more_information): Transition(
        to=CaseStage.under_review,
        roles=SUPERVISORS,
        preconditions=DECISION_REQUIREMENTS,
        reason_required=True,
        effects=(open_review(ReviewReason.more_information),),
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
    ),
    (CaseStage.appeal, CaseAction.dismiss_appeal): Transition(
        to=CaseStage.ineligible,
        roles=SUPERVISORS,
        preconditions=(appeal_decider_is_not_original_decider,),
        reason_required=True,
        effects=(clear_deadline,),
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
    # Acknowledgement: recording the delivery of the acknowledgement and apology applies
    # this row (casework.acknowledgement.operations.record_delivery).
    (CaseStage.eligible, CaseAction.acknowledge): Transition(
        to=CaseStage.acknowledged,
        roles=CASE_WORKERS,
        preconditions=(has_delivered_acknowledgement,),
        effects=(clear_deadline,),
    ),
    (CaseStage.acknowledged, CaseAction.start_compensation): Transition(
        to=CaseStage.compensation,
        roles=CASE_WORKERS,
        effects=(clear_deadline,),
    ),
    (CaseStage.eligible, CaseAction.start_compensation): Transition(
        to=CaseStage.compensation,
        roles=CASE_WORKERS,
        preconditions=(compensation_may_precede_acknowledgement,),
        effects=(clear_deadline,),
    ),
    # Closing ends the case's work: a supervisor's decision, with a closing note.
    **{
        (stage, CaseAction.close): Transition(
            to=CaseStage.closed,
            roles=frozenset({Role.supervisor}),
            preconditions=CLOSING_REQUIREMENTS,
            reason_required=True,
            effects=(clear_deadline,),
        )
        for stage in CLOSABLE_STAGES
    },
}

CASE_LIFECYCLE = Lifecycle(CASE_TRANSITIONS)


def case_offers(case: Case, actor: Any) -> list[Offer]:
    """The actions to offer on the case page, with what blocks each one now."""
    return CASE_LIFECYCLE.offers(case, actor)


def apply_case_transition(
    case: Case, action: CaseAction, actor: Any, *, expected_version: int | None,
    reason: str | None = None,
) -> CaseTransition:
    """Move the case by the action: check, change the stage, record the step, flush."""
    transition = CASE_LIFECYCLE.check(
        case, action, actor, expected_version=expected_version, reason=reason
    )
    now = utcnow()
    step = CaseTransition(
        case=case,
        from_stage=case.stage,
        to_stage=transition.to,
        action=str(action),
        actor_id=actor.id,
        at=now,
        reason=(reason or "").strip() or None,
    )
    # In the session before the effects run: they may query (and so autoflush).
    db.session.add(step)
    case.stage = transition.to
    case.stage_changed_at = now
    for effect in transition.effects:
        effect(case, actor)
    touch_case(case, actor)
    flush_case(case)
    return step
