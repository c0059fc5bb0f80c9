"""Review rounds of a case: per-criterion findings, review activities, the recommendation.

A case is reviewed in rounds. A round opens when the case goes under review (first
review, after a request for more information, after an upheld appeal, after
reopening) and keeps the criteria version current at that moment. The caseworker
records a finding per criterion and the activities that support them, then the
recommendation; from then on the round's findings are frozen, and the supervisor's
decision closes it. A later round starts from a copy of the previous findings, so no
round is ever rewritten.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.eligibility.models.criteria import CriteriaVersion, Criterion
    from casework.evidence.models import Evidence



class ReviewReason(StrEnum):
    """Why a review round was opened."""

    first_review = "first_review"
    more_information = "more_information"
    appeal_upheld = "appeal_upheld"
    reopened = "reopened"


REVIEW_REASON_LABELS = {
    ReviewReason.first_review: _l("First review"),
    ReviewReason.more_information: _l("More information requested"),
    ReviewReason.appeal_upheld: _l("Appeal upheld: reviewed again"),
    # Why a round opened: the case was reopened (not the round, nor an incident assessment).
    ReviewReason.reopened: lazy_pgettext("review round reason", "Reopened"),
}


class ReviewStatus(StrEnum):
    open = "open"
    # The caseworker recommended: the findings are frozen, a supervisor decides.
    recommended = "recommended"
    decided = "decided"


class FindingValue(StrEnum):
    met = "met"
    not_met = "not_met"
    unknown = "unknown"


FINDING_LABELS = {
    FindingValue.met: _l("Met"),
    FindingValue.not_met: _l("Not met"),
    FindingValue.unknown: _l("Unknown"),
}


class Recommendation(StrEnum):
    eligible = "eligible"
    ineligible = "ineligible"


RECOMMENDATION_LABELS = {
    Recommendation.eligible: _l("Eligible"),
    Recommendation.ineligible: _l("Ineligible"),
}


class ActivityKind(StrEnum):
    field_visit = "field_visit"
    witness_interview = "witness_interview"
    other = "other"


ACTIVITY_KIND_LABELS = {
    ActivityKind.field_visit: _l("Field visit"),
    ActivityKind.witness_interview: _l("Witness interview"),
    ActivityKind.other: _l("Other"),
}


class Review(db.Model):
    __tablename__ = "eligibility_reviews"
    __table_args__ = (
        UniqueConstraint("case_id", "round"),
        # The supervisors' queue asks whether a case's round awaits a decision.
        Index("ix_eligibility_reviews_case_id_status", "case_id", "status"),
        CheckConstraint(
            "(recommendation IS NULL) = (recommended_at IS NULL)", name="recommendation_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    round: Mapped[int] = mapped_column(SmallInteger)
    criteria_version_id: Mapped[int] = mapped_column(
        ForeignKey("eligibility_criteria_versions.id")
    )
    opened_because: Mapped[ReviewReason] = mapped_column(string_enum(ReviewReason))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReviewStatus] = mapped_column(string_enum(ReviewStatus), default=ReviewStatus.open)

    recommendation: Mapped[Recommendation | None] = mapped_column(string_enum(Recommendation))
    recommendation_reasons: Mapped[str | None] = mapped_column(Text)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    criteria_version: Mapped[CriteriaVersion] = relationship(lazy="joined")
    findings: Mapped[list[Finding]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Finding.id"
    )
    recommended_by = relationship("User", foreign_keys=[recommended_by_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])

    def __repr__(self) -> str:
        return f"<Review case={self.case_id} round={self.round} {self.status}>"


class Finding(db.Model):
    """The caseworker's finding on one criterion in one review round."""

    __tablename__ = "eligibility_findings"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("eligibility_reviews.id"))
    # Denormalised so that the audit trail files the row under its case.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("eligibility_criteria.id"))
    value: Mapped[FindingValue] = mapped_column(string_enum(FindingValue))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[Review] = relationship(back_populates="findings")
    criterion: Mapped[Criterion] = relationship()
    evidence_links: Mapped[list[FindingEvidence]] = relationship(
        back_populates="finding", cascade="all, delete-orphan"
    )


class FindingEvidence(db.Model):
    """Evidence a finding rests on (a mapped row, so the audit trail sees each link)."""

    __tablename__ = "eligibility_finding_evidence"
    __table_args__ = (Index("ix_eligibility_finding_evidence_evidence_id", "evidence_id"),)

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("eligibility_findings.id"), primary_key=True
    )
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))

    finding: Mapped[Finding] = relationship(back_populates="evidence_links")
    evidence: Mapped[Evidence] = relationship()


class ReviewActivity(db.Model):
    """A field visit, a witness interview or other investigation done for the review."""

    __tablename__ = "review_activities"
    # Who took part may name a protected witness: the audit trail records that it changed.
    __audit_secret_columns__ = ("participants",)
    __table_args__ = (Index("ix_review_activities_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The round open when it was recorded, if any.
    review_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_reviews.id"))
    kind: Mapped[ActivityKind] = mapped_column(string_enum(ActivityKind))
    occurred_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300))
    # Who took part: staff, witnesses, survivors.
    participants: Mapped[str] = mapped_column(Text)
    # When set, only the assigned caseworker and the office's supervisors see who took part.
    identity_protected: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")
    evidence_links: Mapped[list[ReviewActivityEvidence]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )


class ReviewActivityEvidence(db.Model):
    __tablename__ = "review_activity_evidence"
    __table_args__ = (Index("ix_review_activity_evidence_evidence_id", "evidence_id"),)

    activity_id: Mapped[int] = mapped_column(ForeignKey("review_activities.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))

    activity: Mapped[ReviewActivity] = relationship(back_populates="evidence_links")
    evidence: Mapped[Evidence] = relationship()
