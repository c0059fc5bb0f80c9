"""Decisions, requests for more information and appeals: history, never rewritten.

A decision closes a review round. Once made it changes only once more: when the
caseworker records the date the decision letter was delivered, which starts the
appeal window. An appeal is lodged against one ineligible decision and decided once,
by a supervisor other than the one who made that decision.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.eligibility.models.reviews import Review
    from casework.evidence.models import Evidence



class DecisionOutcome(StrEnum):
    eligible = "eligible"
    ineligible = "ineligible"
    more_information = "more_information"


DECISION_OUTCOME_LABELS = {
    DecisionOutcome.eligible: _l("Eligible"),
    DecisionOutcome.ineligible: _l("Ineligible"),
    DecisionOutcome.more_information: _l("More information needed"),
}


class AppealOutcome(StrEnum):
    upheld = "upheld"
    dismissed = "dismissed"


APPEAL_OUTCOME_LABELS = {
    AppealOutcome.upheld: _l("Upheld: the case is reviewed again"),
    AppealOutcome.dismissed: _l("Dismissed: the case stays ineligible"),
}


class EligibilityDecision(db.Model):
    __tablename__ = "eligibility_decisions"
    __table_args__ = (
        Index("ix_eligibility_decisions_case_id_id", "case_id", "id"),
        CheckConstraint(
            "outcome = 'eligible' OR reasons IS NOT NULL", name="reasons_unless_eligible"
        ),
        CheckConstraint(
            "(delivered_on IS NULL) = (delivery_recorded_at IS NULL)", name="delivery_complete"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The round it closes (one decision per round).
    review_id: Mapped[int] = mapped_column(ForeignKey("eligibility_reviews.id"), unique=True)
    # The step in the case history the decision made.
    transition_id: Mapped[int] = mapped_column(ForeignKey("case_transitions.id"), unique=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(string_enum(DecisionOutcome))
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Entered by the caseworker once the decision letter reached the family; the
    # appeal window of an ineligible decision runs from this date.
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivery_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_due_on: Mapped[date | None] = mapped_column(Date)

    review: Mapped[Review] = relationship()
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    delivery_recorded_by = relationship("User", foreign_keys=[delivery_recorded_by_id])

    def __repr__(self) -> str:
        return f"<EligibilityDecision case={self.case_id} {self.outcome}>"


class InformationRequest(db.Model):
    """What the supervisor asked for when deciding `more_information`.

    The Correspondence domain turns it into a letter to the family, in the family's
    language; the text is kept exactly as the supervisor wrote it.
    """

    __tablename__ = "information_requests"
    __table_args__ = (Index("ix_information_requests_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decisions.id"), unique=True)
    # The round opened to answer it.
    review_id: Mapped[int] = mapped_column(ForeignKey("eligibility_reviews.id"), unique=True)
    request_text: Mapped[str] = mapped_column(Text)
    # The family's preferred language when the request was made: the letter's language.
    language: Mapped[str] = mapped_column(String(2))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision: Mapped[EligibilityDecision] = relationship()
    requested_by = relationship("User")


class Appeal(db.Model):
    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_case_id_id", "case_id", "id"),
        CheckConstraint("(outcome IS NULL) = (decided_at IS NULL)", name="outcome_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The ineligible decision appealed (a decision is appealed at most once).
    decision_id: Mapped[int] = mapped_column(ForeignKey("eligibility_decisions.id"), unique=True)
    grounds: Mapped[str] = mapped_column(Text)
    # When the family lodged it (within the window that runs from delivery).
    lodged_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lodged_transition_id: Mapped[int] = mapped_column(
        ForeignKey("case_transitions.id"), unique=True
    )

    outcome: Mapped[AppealOutcome | None] = mapped_column(string_enum(AppealOutcome))
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_transition_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_transitions.id"), unique=True
    )

    decision: Mapped[EligibilityDecision] = relationship()
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    evidence_links: Mapped[list[AppealEvidence]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan"
    )


class AppealEvidence(db.Model):
    """New evidence the appeal rests on."""

    __tablename__ = "appeal_evidence"
    __table_args__ = (Index("ix_appeal_evidence_evidence_id", "evidence_id"),)

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))

    appeal: Mapped[Appeal] = relationship(back_populates="evidence_links")
    evidence: Mapped[Evidence] = relationship()
