"""The "to reconsider" queue: cases that new facts may change, for supervisors to reopen.

An entry is written in the same transaction as the fact that caused it (new evidence
on an ineligible or closed case; an incident's official assessment changing to
credible or reopened), and says what changed. Reopening the case resolves its open
entries; a supervisor may also dismiss an entry, with a reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db


class ReconsiderationTrigger(StrEnum):
    new_evidence = "new_evidence"
    assessment_changed = "assessment_changed"


class ReconsiderationStatus(StrEnum):
    open = "open"
    reopened = "reopened"
    dismissed = "dismissed"


RECONSIDERATION_STATUS_LABELS = {
    ReconsiderationStatus.open: _l("To reconsider"),
    ReconsiderationStatus.reopened: _l("Case reopened"),
    ReconsiderationStatus.dismissed: _l("Dismissed"),
}


class ReconsiderationEntry(db.Model):
    __tablename__ = "reconsideration_entries"
    __table_args__ = (
        # The queue: an office's open entries, oldest first.
        Index("ix_reconsideration_entries_office_id_status_id", "office_id", "status", "id"),
        Index("ix_reconsideration_entries_case_id_status", "case_id", "status"),
        CheckConstraint(
            "(status = 'open') = (resolved_at IS NULL)", name="resolved_unless_open"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    trigger: Mapped[ReconsiderationTrigger] = mapped_column(string_enum(ReconsiderationTrigger))
    # The stage the case was at when the fact arrived.
    case_stage: Mapped[str] = mapped_column(String(20))
    # What changed: the new evidence, or the incident and its assessment (before -> after).
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("credibility_assessments.id"))
    previous_credibility: Mapped[str | None] = mapped_column(String(20))
    new_credibility: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    status: Mapped[ReconsiderationStatus] = mapped_column(
        string_enum(ReconsiderationStatus), default=ReconsiderationStatus.open
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_reason: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case", lazy="joined", innerjoin=True)
    evidence = relationship("Evidence")
    incident = relationship("Incident")
    assessment = relationship("CredibilityAssessment")
    created_by = relationship("User", foreign_keys=[created_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
