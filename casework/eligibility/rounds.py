"""What the case lifecycle reads and does for the eligibility workflow.

The lifecycle table (casework.intake.lifecycle) asks here for a case's current review
round, its latest decision and its open appeal (its preconditions), and calls here to
open a review round or resolve the "to reconsider" entries (its effects). Nothing
here commits, and nothing here imports the lifecycle, so the table can import it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from casework.core.models import utcnow
from casework.eligibility.models import (
    Appeal,
    CriteriaVersion,
    DecisionOutcome,
    EligibilityDecision,
    Finding,
    FindingEvidence,
    ReconsiderationEntry,
    ReconsiderationStatus,
    Review,
    ReviewReason,
)
from casework.extensions import db


def current_criteria_version() -> CriteriaVersion | None:
    """The checklist new review rounds use: the highest published version."""
    return db.session.scalar(
        select(CriteriaVersion).order_by(CriteriaVersion.number.desc()).limit(1)
    )


def current_review(case: Any) -> Review | None:
    """The case's latest review round (the one being worked on or last decided)."""
    return db.session.scalar(
        select(Review).where(Review.case_id == case.id).order_by(Review.round.desc()).limit(1)
    )


def latest_decision(case: Any) -> EligibilityDecision | None:
    """The case's latest eligible or ineligible decision (requests for information aside)."""
    return db.session.scalar(
        select(EligibilityDecision)
        .where(
            EligibilityDecision.case_id == case.id,
            EligibilityDecision.outcome != DecisionOutcome.more_information,
        )
        .order_by(EligibilityDecision.id.desc())
        .limit(1)
    )


def appeal_of(decision: EligibilityDecision) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.decision_id == decision.id))


def open_appeal(case: Any) -> Appeal | None:
    return db.session.scalar(
        select(Appeal)
        .where(Appeal.case_id == case.id, Appeal.outcome.is_(None))
        .order_by(Appeal.id.desc())
        .limit(1)
    )


def missing_findings(review: Review) -> int:
    """How many criteria of the round's checklist have no finding yet."""
    recorded = {finding.criterion_id for finding in review.findings}
    return sum(1 for criterion in review.criteria_version.criteria if criterion.id not in recorded)


def open_review_round(case: Any, actor: Any, reason: ReviewReason) -> Review:
    """Open the next review round on the current checklist.

    The findings of the previous round are copied where the criterion (by code) is
    still on the checklist, so the caseworker starts from what was established; the
    previous round itself is left as it was.
    """
    version = current_criteria_version()
    previous = current_review(case)
    review = Review(
        case_id=case.id,
        round=(previous.round + 1) if previous is not None else 1,
        criteria_version_id=version.id,
        opened_because=reason,
        opened_at=utcnow(),
        opened_by_id=actor.id if actor is not None else None,
    )
    db.session.add(review)
    if previous is not None:
        by_code = {criterion.code: criterion for criterion in version.criteria}
        for old in previous.findings:
            criterion = by_code.get(old.criterion.code)
            if criterion is None:
                continue
            finding = Finding(
                case_id=case.id, criterion_id=criterion.id, value=old.value, note=old.note,
                recorded_by_id=old.recorded_by_id, recorded_at=old.recorded_at,
            )
            finding.evidence_links = [
                FindingEvidence(evidence_id=link.evidence_id, case_id=case.id)
                for link in old.evidence_links
            ]
            review.findings.append(finding)
    db.session.flush()
    return review


def resolve_reconsiderations(case: Any, actor: Any, reason: str | None = None) -> int:
    """Mark the case's open "to reconsider" entries as resolved by its reopening."""
    entries = db.session.scalars(
        select(ReconsiderationEntry).where(
            ReconsiderationEntry.case_id == case.id,
            ReconsiderationEntry.status == ReconsiderationStatus.open,
        )
    ).all()
    now = utcnow()
    for entry in entries:
        entry.status = ReconsiderationStatus.reopened
        entry.resolved_at = now
        entry.resolved_by_id = actor.id if actor is not None else None
        entry.resolution_reason = reason
    db.session.flush()
    return len(entries)

