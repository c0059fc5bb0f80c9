"""Decisions on duplicate candidates: merge two cases, link persons as one victim, dismiss.

What a merge keeps
------------------
The duplicate case moves to stage ``merged`` through the case lifecycle (action
``merge``, supervisors only, reason required) with ``merged_into_id`` pointing to the
surviving case. Nothing is moved or deleted: its household members, losses, evidence and
history stay attached to it, exactly as that family declared them, and the surviving
case lists the cases merged into it (:func:`merged_case_ids`). Moving rows would rewrite
what each registration said and break the evidence's link to the case it was uploaded
to; keeping them and linking is lossless and reversible by a later decision. Members
confirmed to be the same person are linked as one :class:`Victim`, so that compensation,
which reads victims, pays for each at most once.

Flags
-----
Only supervisors decide. A caseworker who thinks two cases are the same family, or claim
the same person, flags the pair for a supervisor with a short note
(:func:`flag_for_supervisor`); so may a supervisor who registered one of the cases, and
so cannot decide it. The flag is shown with the pair until a supervisor's decision on the
pair clears it (:func:`_record`).

Every change goes through the ORM and is captured by the audit trail at the flush;
operations flush, the controller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.core.errors import Conflict, InvalidInput
from casework.duplicates.models import (
    DuplicateDecision,
    DuplicateFlag,
    DuplicateOutcome,
    Victim,
)
from casework.duplicates.queries import (
    decision_for,
    flag_for,
    may_decide,
    open_flags_of,
    shows_details,
)
from casework.extensions import db
from casework.intake.lifecycle import CaseAction, apply_case_transition
from casework.intake.models.cases import FINAL_STAGES, Case
from casework.intake.models.persons import Person


def _check_decider(case: Case, other: Case, actor: Any) -> None:
    if case.id == other.id:
        raise InvalidInput(_l("A case cannot be a duplicate of itself."))
    # Makers never approve their own work: whoever created either case does not decide.
    if actor.id in (case.created_by_id, other.created_by_id):
        raise Conflict(_l("You registered one of these cases: another supervisor must decide."))
    if decision_for(case, other) is not None:
        raise Conflict(_l("This pair has already been decided."))


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason: it is kept with the decision."), "reason")
    return reason


def _record(case: Case, other: Case, outcome: DuplicateOutcome, score: int, reason: str,
            actor: Any) -> DuplicateDecision:
    low, high = DuplicateDecision.ordered(case.id, other.id)
    decision = DuplicateDecision(case_id=low, other_case_id=high, outcome=outcome, score=score,
                                 reason=reason, decided_by_id=actor.id)
    db.session.add(decision)
    # The decision answers a caseworker's flag on the pair, if any: it is cleared.
    flag = flag_for(case, other)
    if flag is not None and flag.is_open:
        flag.decision = decision
    return decision


NOTE_MAX_LENGTH = 500


def flag_for_supervisor(case: Case, other: Case, actor: Any, *, note: str | None) -> DuplicateFlag:
    """Ask a supervisor to decide the pair (the actor cannot), with a short note."""
    if case.id == other.id:
        raise InvalidInput(_l("A case cannot be a duplicate of itself."))
    if may_decide(actor, case, other):
        raise Conflict(_l("You decide this pair: record your decision instead of flagging it."))
    if not shows_details(actor, case, other):
        raise Conflict(_l("This case belongs to another office: ask a supervisor to compare "
                          "the two."))
    if decision_for(case, other) is not None:
        raise Conflict(_l("This pair has already been decided."))
    if flag_for(case, other) is not None:
        raise Conflict(_l("This pair is already flagged for a supervisor."))
    note = " ".join((note or "").split())
    if not note:
        raise InvalidInput(_l("Say in a few words why a supervisor should look at these two "
                              "cases."), "note")
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(_l("Keep the note under %(count)d characters.", count=NOTE_MAX_LENGTH),
                           "note")
    low, high = DuplicateDecision.ordered(case.id, other.id)
    flag = DuplicateFlag(case_id=low, other_case_id=high, note=note, flagged_by_id=actor.id)
    db.session.add(flag)
    db.session.flush()
    return flag


def link_same_victim(left: Person, right: Person, actor: Any) -> Victim:
    """Record that two household members are the same person: one victim for both."""
    if left.id == right.id:
        raise InvalidInput(_l("A person is already the same as themself."))
    victim_ids = {v for v in (left.victim_id, right.victim_id) if v is not None}
    if not victim_ids:
        victim = Victim(created_by_id=actor.id)
        db.session.add(victim)
        db.session.flush()
    else:
        victim = db.session.get(Victim, min(victim_ids))
    # Everyone already linked to either victim becomes the same victim.
    persons = {left, right}
    if victim_ids:
        persons |= set(db.session.scalars(select(Person).where(Person.victim_id.in_(victim_ids))))
    for person in persons:
        if person.victim_id != victim.id:
            person.victim_id = victim.id
    return victim


def _pairs(case: Case, other: Case, person_pairs: Iterable[tuple[int, int]]) -> list[tuple[Person, Person]]:
    """The (case member, other case member) pairs named by id, each checked to belong."""
    mine = {person.id: person for person in case.persons}
    theirs = {person.id: person for person in other.persons}
    pairs = []
    for left_id, right_id in person_pairs:
        if left_id not in mine or right_id not in theirs:
            raise InvalidInput(_l("Choose members of the two cases being compared."), "pairs")
        pairs.append((mine[left_id], theirs[right_id]))
    return pairs


def merge_cases(duplicate: Case, survivor: Case, actor: Any, *, reason: str | None,
                expected_version: int | None, person_pairs: Iterable[tuple[int, int]] = (),
                score: int = 0) -> DuplicateDecision:
    """Merge the duplicate case into the surviving one; link the members confirmed the same.

    ``person_pairs`` are (member of the duplicate, member of the survivor) ids.
    """
    _check_decider(duplicate, survivor, actor)
    reason = _clean_reason(reason)
    if survivor.stage in FINAL_STAGES:
        raise Conflict(_l("Case %(reference)s is %(stage)s: merge into an open case.",
                          reference=survivor.reference, stage=str(survivor.stage)))
    pairs = _pairs(duplicate, survivor, person_pairs)
    duplicate.merged_into_id = survivor.id
    apply_case_transition(duplicate, CaseAction.merge, actor, expected_version=expected_version,
                          reason=reason)
    for left, right in pairs:
        link_same_victim(left, right, actor)
    decision = _record(duplicate, survivor, DuplicateOutcome.merged, score, reason, actor)
    # A merged case is no one's candidate any more: the merge answers its other flags too.
    for flag in open_flags_of(duplicate):
        if flag.decision is None:
            flag.decision = decision
    db.session.flush()
    return decision


def confirm_same_victim(case: Case, other: Case, actor: Any, *, reason: str | None,
                        person_pairs: Iterable[tuple[int, int]], score: int = 0) -> DuplicateDecision:
    """Two households claim for the same person(s): link them as one victim, keep both cases."""
    _check_decider(case, other, actor)
    reason = _clean_reason(reason)
    pairs = _pairs(case, other, person_pairs)
    if not pairs:
        raise InvalidInput(_l("Choose at least one pair of members who are the same person."),
                           "pairs")
    for left, right in pairs:
        link_same_victim(left, right, actor)
    decision = _record(case, other, DuplicateOutcome.same_victim, score, reason, actor)
    db.session.flush()
    return decision


def dismiss_candidate(case: Case, other: Case, actor: Any, *, reason: str | None,
                      score: int = 0) -> DuplicateDecision:
    """Not the same claim: store the decision so the pair is not offered again."""
    _check_decider(case, other, actor)
    decision = _record(case, other, DuplicateOutcome.dismissed, score, _clean_reason(reason), actor)
    db.session.flush()
    return decision
