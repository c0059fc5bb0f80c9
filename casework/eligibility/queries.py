"""Read-side queries for the eligibility pages and queues: a fixed number of statements per
page, whatever the number of cases, findings or decisions (no query per row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, false, select
from sqlalchemy.orm import joinedload, selectinload

from casework.core.authz import Role
from casework.core.pagination import KeysetPage, SortKey, page_by_keys
from casework.eligibility.models import (
    Appeal,
    AppealEvidence,
    CriteriaVersion,
    EligibilityDecision,
    Finding,
    FindingEvidence,
    InformationRequest,
    ReconsiderationEntry,
    ReconsiderationStatus,
    Review,
    ReviewActivity,
    ReviewActivityEvidence,
    ReviewStatus,
)
from casework.extensions import db
from casework.intake.models.cases import Case, CaseStage
from casework.intake.models.persons import Person
from casework.intake.queries import heads_of_household


class QueueKind(StrEnum):
    """The supervisors' decision queue has two lists: first decisions, and appeals."""

    decisions = "decisions"
    appeals = "appeals"


QUEUE_KEYS = (SortKey(Case.priority), SortKey(Case.id))


def _office_of(user: Any) -> Any:
    if user.role in (Role.caseworker, Role.supervisor) and user.office_id is not None:
        return Case.office_id == user.office_id
    return false()


@dataclass
class DecisionQueue:
    kind: QueueKind
    page: KeysetPage
    heads: dict[int, Person]
    # Per case: the round awaiting decision (decisions) or the appeal (appeals).
    details: dict[int, Any]


def decision_queue(user: Any, kind: QueueKind, after: str | None, today: date, *,
                   overdue_only: bool = False, size: int = 50) -> DecisionQueue:
    """The office's cases awaiting a supervisor's decision, highest priority (P1) and
    oldest first. The (office, stage, priority, id) index of cases gives the order; the
    decision list keeps the cases whose current round was recommended."""
    conditions = [_office_of(user)]
    if kind == QueueKind.decisions:
        conditions += [
            Case.stage == CaseStage.under_review,
            exists().where(Review.case_id == Case.id, Review.status == ReviewStatus.recommended),
        ]
    else:
        conditions.append(Case.stage == CaseStage.appeal)
    if overdue_only:
        conditions.append(Case.due_on < today)
    page = page_by_keys(select(Case).where(*conditions), QUEUE_KEYS, after, size=size)
    ids = [case.id for case in page.items]
    details: dict[int, Any] = {}
    if ids and kind == QueueKind.decisions:
        details = {review.case_id: review for review in db.session.scalars(
            select(Review).where(Review.case_id.in_(ids),
                                 Review.status == ReviewStatus.recommended)
            .options(joinedload(Review.recommended_by))
        )}
    elif ids:
        details = {appeal.case_id: appeal for appeal in db.session.scalars(
            select(Appeal).where(Appeal.case_id.in_(ids), Appeal.outcome.is_(None))
            .options(joinedload(Appeal.decision).joinedload(EligibilityDecision.decided_by))
        )}
    return DecisionQueue(kind, page, heads_of_household(ids), details)


def reconsider_queue(user: Any, after: str | None, size: int = 50) -> KeysetPage:
    """The office's open "to reconsider" entries, oldest first."""
    if user.role not in (Role.caseworker, Role.supervisor) or user.office_id is None:
        statement = select(ReconsiderationEntry).where(false())
    else:
        statement = select(ReconsiderationEntry).where(
            ReconsiderationEntry.office_id == user.office_id,
            ReconsiderationEntry.status == ReconsiderationStatus.open,
        )
    statement = statement.options(
        joinedload(ReconsiderationEntry.evidence),
        joinedload(ReconsiderationEntry.incident),
        joinedload(ReconsiderationEntry.created_by),
    )
    return page_by_keys(statement, (SortKey(ReconsiderationEntry.id),), after, size=size)


def load_entry(entry_id: int) -> ReconsiderationEntry | None:
    return db.session.get(ReconsiderationEntry, entry_id)


@dataclass
class EligibilityRecord:
    """Everything the case page's eligibility section and the review page show."""

    reviews: list[Review]
    current: Review | None
    activities: list[ReviewActivity]
    decisions: list[EligibilityDecision]
    appeals: list[Appeal]
    information_requests: list[InformationRequest]
    reconsiderations: list[ReconsiderationEntry]

    @property
    def latest_decision(self) -> EligibilityDecision | None:
        return self.decisions[-1] if self.decisions else None

    def decision_of(self, review: Review) -> EligibilityDecision | None:
        return next((d for d in self.decisions if d.review_id == review.id), None)

    def findings_of(self, review: Review) -> dict[int, Finding]:
        return {finding.criterion_id: finding for finding in review.findings}


def eligibility_record(case: Case) -> EligibilityRecord:
    """The case's rounds (with checklists and findings), activities, decisions, appeals,
    requests and reconsideration entries, in seven statements."""
    reviews = list(db.session.scalars(
        select(Review).where(Review.case_id == case.id).order_by(Review.round)
        .options(
            joinedload(Review.criteria_version).selectinload(CriteriaVersion.criteria),
            selectinload(Review.findings).selectinload(Finding.evidence_links)
            .joinedload(FindingEvidence.evidence),
            joinedload(Review.recommended_by),
        )
    ).unique())
    activities = list(db.session.scalars(
        select(ReviewActivity).where(ReviewActivity.case_id == case.id)
        .order_by(ReviewActivity.occurred_on, ReviewActivity.id)
        .options(joinedload(ReviewActivity.recorded_by),
                 selectinload(ReviewActivity.evidence_links)
                 .joinedload(ReviewActivityEvidence.evidence))
    ).unique())
    decisions = list(db.session.scalars(
        select(EligibilityDecision).where(EligibilityDecision.case_id == case.id)
        .order_by(EligibilityDecision.id)
        .options(joinedload(EligibilityDecision.decided_by),
                 joinedload(EligibilityDecision.delivery_recorded_by))
    ).unique())
    appeals = list(db.session.scalars(
        select(Appeal).where(Appeal.case_id == case.id).order_by(Appeal.id)
        .options(joinedload(Appeal.recorded_by), joinedload(Appeal.decided_by),
                 selectinload(Appeal.evidence_links).joinedload(AppealEvidence.evidence))
    ).unique())
    requests = list(db.session.scalars(
        select(InformationRequest).where(InformationRequest.case_id == case.id)
        .order_by(InformationRequest.id).options(joinedload(InformationRequest.requested_by))
    ).unique())
    reconsiderations = list(db.session.scalars(
        select(ReconsiderationEntry).where(ReconsiderationEntry.case_id == case.id)
        .order_by(ReconsiderationEntry.id)
        .options(joinedload(ReconsiderationEntry.evidence),
                 joinedload(ReconsiderationEntry.incident),
                 joinedload(ReconsiderationEntry.resolved_by))
    ).unique())
    return EligibilityRecord(
        reviews=reviews, current=reviews[-1] if reviews else None, activities=activities,
        decisions=decisions, appeals=appeals, information_requests=requests,
        reconsiderations=reconsiderations,
    )


def criteria_versions(after: str | None) -> KeysetPage:
    return page_by_keys(select(CriteriaVersion).options(joinedload(CriteriaVersion.published_by)),
                        (SortKey(CriteriaVersion.number),), after, descending=True)


def load_criteria_version(version_id: int) -> CriteriaVersion | None:
    return db.session.scalar(
        select(CriteriaVersion).where(CriteriaVersion.id == version_id)
        .options(selectinload(CriteriaVersion.criteria))
    )


def decision_for_case(case: Case, decision_id: int) -> EligibilityDecision | None:
    return db.session.scalar(select(EligibilityDecision).where(
        EligibilityDecision.id == decision_id, EligibilityDecision.case_id == case.id))
