"""Evidence: files attached to a case, stored once by content, never overwritten or deleted.

A row records what the file is (its kind, title, the person it concerns), what was
received (the original filename as data only, the media type detected from the
content, the size and SHA-256) and who uploaded it. The bytes live in the evidence
store (see casework.evidence.storage) under their SHA-256, so the same file
uploaded twice is stored once. A wrong upload is withdrawn with a reason and stays
listed; nothing is deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.intake.models.cases import Case
    from casework.intake.models.persons import Person


class EvidenceKind(StrEnum):
    witness_statement = "witness_statement"
    site_visit_report = "site_visit_report"
    photo = "photo"
    medical_record = "medical_record"
    death_certificate = "death_certificate"
    property_document = "property_document"
    ngo_report = "ngo_report"
    official_response = "official_response"
    other = "other"


EVIDENCE_KIND_LABELS = {
    EvidenceKind.witness_statement: _l("Witness statement"),
    EvidenceKind.site_visit_report: _l("Site-visit report"),
    EvidenceKind.photo: _l("Photo"),
    EvidenceKind.medical_record: _l("Medical record"),
    EvidenceKind.death_certificate: _l("Death certificate"),
    EvidenceKind.property_document: _l("Property document"),
    EvidenceKind.ngo_report: _l("NGO report"),
    EvidenceKind.official_response: _l("Official response"),
    EvidenceKind.other: _l("Other"),
}


class Evidence(db.Model):
    __tablename__ = "evidence"
    # The witness's identity may be protected from the auditors who read the audit
    # trail: changes to these columns are recorded as changed, without their values.
    __audit_secret_columns__ = ("witness_name", "witness_contact")
    __table_args__ = (
        # The case page lists a case's evidence in upload order.
        Index("ix_evidence_case_id_id", "case_id", "id"),
        # Which evidence rows share a stored file (the same document in several cases).
        Index("ix_evidence_sha256", "sha256"),
        Index("ix_evidence_person_id", "person_id"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="withdrawal_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The household member the evidence concerns (e.g. a death certificate), if one.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[EvidenceKind] = mapped_column(
        string_enum(EvidenceKind, 30)
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    # As the uploader's browser named the file: shown (escaped) as data, never used
    # to name the stored file or the downloaded one.
    original_filename: Mapped[str] = mapped_column(String(255))
    # Detected from the content (casework.evidence.filetypes), not from the name or the
    # browser's Content-Type.
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # Hex SHA-256 of the content; names the stored file.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Witness statements: who gave it. When protected, only the case's assigned
    # caseworker and the supervisors of its office see these two fields.
    witness_name: Mapped[str | None] = mapped_column(String(200))
    witness_contact: Mapped[str | None] = mapped_column(String(300))
    identity_protected: Mapped[bool] = mapped_column(Boolean, default=False)

    # A wrong upload is withdrawn, with a reason; it stays listed and downloadable.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    # Optimistic locking: two people withdrawing at once cannot both succeed silently.
    version: Mapped[int] = mapped_column(Integer)

    case: Mapped[Case] = relationship()
    person: Mapped[Person | None] = relationship()
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_witness_identity(self) -> bool:
        return bool(self.witness_name or self.witness_contact)

    def __repr__(self) -> str:
        return f"<Evidence {self.id} case={self.case_id} {self.kind} {self.sha256[:12]}>"
