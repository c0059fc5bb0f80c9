"""The audit event: one append-only, hash-chained row per thing that happened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.core.models import UTCDateTime
from casework.extensions import db

# The sequence number is the primary key; SQLite needs INTEGER for a rowid alias.
SequenceNumber = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(db.Model):
    """Who did what, when, from where, to which record of which case.

    `id` is the sequence number in the chain (1, 2, 3, ... without gaps), allocated
    while the append lock is held. `hash` covers every column, `prev_hash` and the
    `payload_digest`; the payload itself (before/after values, details) is covered
    through its digest, so that retention can redact it without breaking the chain.
    """

    __tablename__ = "audit_events"
    __audit_exempt__ = "the audit trail itself: capturing its own rows would recurse"
    __table_args__ = (
        Index("ix_audit_events_actor_id_id", "actor_id", "id"),
        Index("ix_audit_events_action_id", "action", "id"),
        Index("ix_audit_events_entity_type_entity_id_id", "entity_type", "entity_id", "id"),
        Index("ix_audit_events_case_id_id", "case_id", "id"),
        Index("ix_audit_events_office_id_id", "office_id", "id"),
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
        # The events of one request (a record's history with its parts; an event's page).
        Index("ix_audit_events_request_id_id", "request_id", "id"),
    )

    id: Mapped[int] = mapped_column(SequenceNumber, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # user | anonymous | cli | system
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer)
    office_id: Mapped[int | None] = mapped_column(Integer)
    # Canonical JSON text, so that the digest is computed over exactly the stored bytes.
    payload: Mapped[str] = mapped_column(Text)
    payload_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}:{self.entity_id}>"
