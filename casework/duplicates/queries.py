"""Read-side queries about duplicates and victims (a fixed number of statements each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from casework.auth.models import User
from casework.core.authz import Action, Role, can
from casework.duplicates.models import DuplicateDecision, DuplicateFlag
from casework.extensions import db
from casework.intake.models.cases import Case
from casework.intake.models.persons import Person


def same_victim_ids(person: Person) -> set[int]:
    """Ids of every person confirmed to be the same victim as this one (itself included).

    Compensation pays for each victim at most once: group persons by ``victim_id`` (a
    person without one is a victim of their own).
    """
    if person.victim_id is None:
        return {person.id}
    return set(db.session.scalars(select(Person.id).where(Person.victim_id == person.victim_id)))


def merged_case_ids(case: Case) -> list[int]:
    """Ids of the cases merged into this one (directly), oldest first."""
    return list(db.session.scalars(
        select(Case.id).where(Case.merged_into_id == case.id).order_by(Case.id)
    ))


def decision_for(case: Case, other: Case) -> DuplicateDecision | None:
    low, high = DuplicateDecision.ordered(case.id, other.id)
    return db.session.scalar(
        select(DuplicateDecision).where(
            DuplicateDecision.case_id == low, DuplicateDecision.other_case_id == high
        )
    )


def decisions_of(case: Case) -> list[DuplicateDecision]:
    """Every decision on a pair including the case, newest first."""
    return list(db.session.scalars(
        select(DuplicateDecision)
        .where(or_(DuplicateDecision.case_id == case.id, DuplicateDecision.other_case_id == case.id))
        .order_by(DuplicateDecision.id.desc())
    ))


def case_references(case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    return dict(db.session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all())


def shows_details(user: Any, case: Case, other: Case) -> bool:
    """Whether the user may see the compared fields of `other`, a candidate duplicate of
    `case`: always within an office; across offices, supervisors (who decide) and auditors,
    never caseworkers (casework.duplicates.controllers says why). The one rule for the
    comparison page, the case page's section and their templates."""
    return other.office_id == case.office_id or user.role in (Role.supervisor, Role.auditor)


def may_decide(user: Any, case: Case, other: Case) -> bool:
    """Whether the user decides this pair: a supervisor of the case's office who registered
    neither case (makers never decide their own cases)."""
    return can(user, Action.decide_duplicate, case) and user.id not in (
        case.created_by_id, other.created_by_id)


def flag_for(case: Case, other: Case) -> DuplicateFlag | None:
    """The pair's flag, open or cleared."""
    low, high = DuplicateDecision.ordered(case.id, other.id)
    return db.session.scalar(
        select(DuplicateFlag).where(DuplicateFlag.case_id == low, DuplicateFlag.other_case_id == high)
    )


def open_flags_of(case: Case) -> list[DuplicateFlag]:
    """The flags waiting for a supervisor on pairs including the case, oldest first."""
    return list(db.session.scalars(
        select(DuplicateFlag)
        .where(or_(DuplicateFlag.case_id == case.id, DuplicateFlag.other_case_id == case.id),
               DuplicateFlag.decision_id.is_(None))
        .order_by(DuplicateFlag.id)
    ))


def open_flags_in_office(office_id: int) -> list[tuple[DuplicateFlag, Case, Case]]:
    """The flags waiting for a supervisor on pairs with a case of the office, oldest first,
    each with its two cases (the office's own first)."""
    first, second = aliased(Case), aliased(Case)
    rows = db.session.execute(
        select(DuplicateFlag, first, second)
        .join(first, first.id == DuplicateFlag.case_id)
        .join(second, second.id == DuplicateFlag.other_case_id)
        .where(DuplicateFlag.decision_id.is_(None),
               or_(first.office_id == office_id, second.office_id == office_id))
        .order_by(DuplicateFlag.id)
    ).all()
    return [(flag, *((a, b) if a.office_id == office_id else (b, a))) for flag, a, b in rows]


def office_supervisors(office_id: int) -> list[User]:
    """The office's active supervisors, by name: who decides its possible duplicates."""
    return list(db.session.scalars(
        select(User).where(and_(User.office_id == office_id, User.role == Role.supervisor,
                                User.active.is_(True)))
        .order_by(User.name, User.id)
    ))
