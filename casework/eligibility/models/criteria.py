"""The eligibility criteria checklist, defined by admins and versioned.

Editing the checklist publishes a new version; a review keeps the version it was
opened with, so an old review reads exactly as it was made. A criterion's `code`
stays the same across versions, so findings can be carried over to a new version.

Each criterion's title and guidance are kept in Arabic and in English and read in the
reader's language (casework.core.bilingual): `criterion.title` is the reader's text, or the
other language's while the reader's is empty. The checklist installed by migration 0007 was
written in English only; its Arabic texts are empty until an admin publishes a version with
them, and Arabic readers meanwhile see the English text, marked as English.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.bilingual import BilingualText
from casework.core.models import AdministrativeRecord, UTCDateTime, utcnow
from casework.extensions import db


class CriteriaVersion(AdministrativeRecord, db.Model):
    """One published version of the checklist; the highest number is current."""

    __tablename__ = "eligibility_criteria_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What changed and why, for whoever reads old reviews.
    note: Mapped[str | None] = mapped_column(Text)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    published_by = relationship("User")

    def __repr__(self) -> str:
        return f"<CriteriaVersion {self.number}>"


class Criterion(AdministrativeRecord, db.Model):
    __tablename__ = "eligibility_criteria"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        Index("ix_eligibility_criteria_version_id_position", "version_id", "position"),
        CheckConstraint("title_ar IS NOT NULL OR title_en IS NOT NULL", name="has_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("eligibility_criteria_versions.id"))
    position: Mapped[int] = mapped_column(SmallInteger)
    # Stable across versions (e.g. "incident_verified").
    code: Mapped[str] = mapped_column(String(40))
    # The title in at least one of the two languages.
    title_ar: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    # What the caseworker checks, and which evidence usually shows it.
    guidance_ar: Mapped[str | None] = mapped_column(Text)
    guidance_en: Mapped[str | None] = mapped_column(Text)

    title = BilingualText()
    guidance = BilingualText()

    version: Mapped[CriteriaVersion] = relationship(back_populates="criteria")

    def __repr__(self) -> str:
        return f"<Criterion {self.code} v{self.version_id}>"
