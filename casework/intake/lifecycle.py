"""The case lifecycle, as ONE table: for each (stage, action), where it leads, who may, when.

Intake owns the case's vocabulary (CaseStage, CaseAction) and the table itself,
:data:`CASE_LIFECYCLE`, which holds the rows intake uses: register, withdraw, and close
(the case's end, whose conditions the later stages add). Each later stage declares its
own rows, preconditions, effects and action pages in its `lifecycle.py` and registers
them when its blueprint is set up (``CASE_LIFECYCLE.register``); closing waits for what
compensation and referrals register (``CASE_LIFECYCLE.require``). The assembled table is
still one table: a reader lists it with :data:`CASE_TRANSITIONS`, the tests walk it.

A precondition is a function (case, actor) -> reason it is not met, or None.
:func:`apply_case_transition` is the only way a case changes stage.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.core.authz import Role
from casework.core.dates import office_today
from casework.core.i18n import join_list
from casework.core.lifecycle import Effect, Lifecycle, Offer, Transition
from casework.core.models import utcnow
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


# The assembled table. Rows, labels and action pages arrive as each domain registers
# them; these three names are the live views a reader (or a test) lists.
CASE_LIFECYCLE = Lifecycle()
CASE_TRANSITIONS = CASE_LIFECYCLE.table
ACTION_LABELS = CASE_LIFECYCLE.labels
# Actions that record more than a reason are taken on their own page (endpoint), which
# writes the record (recommendation, decision, appeal) in the same transaction as the
# step; the generic stage-change route refuses them, and the case page links there.
ACTION_PAGES = CASE_LIFECYCLE.pages

CASE_WORKERS = frozenset({Role.caseworker, Role.supervisor})
SUPERVISORS = frozenset({Role.supervisor})

# Days from the start of a deadline to its due date; override with CASE_DEADLINE_DAYS.
# Later stages add theirs (register_deadlines).
DEFAULT_DEADLINE_DAYS = {
    "intake_completion": 30,
    "eligibility_decision": 60,
}


def register_deadlines(days: dict[str, int]) -> None:
    DEFAULT_DEADLINE_DAYS.update(days)


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
                  names=join_list(p.display_name for p in unlinked))
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


REGISTRATION_REQUIREMENTS = (
    has_incident,
    has_one_head_of_household,
    has_harm_or_loss,
    victims_linked_to_incidents,
    has_contact,
    has_informed_consent,
    is_assigned,
)

# Closing follows the acknowledgement (with or without compensation to pay); an ineligible
# case rests at `ineligible`, where new evidence can reopen it as it would a closed one.
# What must be finished first (payments, referrals) is required by the domains that own it.
CLOSABLE_STAGES = (CaseStage.acknowledged, CaseStage.compensation)


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


INTAKE_TRANSITIONS: dict[tuple[CaseStage, CaseAction], Transition] = {
    (CaseStage.intake, CaseAction.register): Transition(
        to=CaseStage.registered,
        roles=CASE_WORKERS,
        preconditions=REGISTRATION_REQUIREMENTS,
        effects=(mark_registered, start_deadline("eligibility_decision")),
        awaited=_l("the caseworker's registration of the case"),
    ),
    **{
        (stage, CaseAction.withdraw): Transition(
            to=CaseStage.withdrawn,
            roles=CASE_WORKERS,
            reason_required=True,
            effects=(clear_deadline,),
            aside=True,
        )
        for stage in sorted(OPEN_STAGES)
    },
    # Closing ends the case's work: a supervisor's decision, with a closing note.
    **{
        (stage, CaseAction.close): Transition(
            to=CaseStage.closed,
            roles=SUPERVISORS,
            reason_required=True,
            effects=(clear_deadline,),
            awaited=_l("a supervisor's decision to close the case"),
        )
        for stage in CLOSABLE_STAGES
    },
}

INTAKE_LABELS = {
    CaseAction.register: _l("Register the case"),
    CaseAction.withdraw: _l("Withdraw at the family's request"),
    CaseAction.close: _l("Close the case"),
}


# The table starts with intake's own rows; the later stages' arrive with their blueprints.
CASE_LIFECYCLE.register(INTAKE_TRANSITIONS, labels=INTAKE_LABELS)


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
