"""Duplicate claims: decisions on candidate pairs of cases, caseworkers' flags asking a supervisor
to decide a pair, and victims confirmed across cases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
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


class Victim(db.Model):
    """One harmed person, whichever cases claim for them.

    Persons (household members of cases) confirmed to be the same human being carry the
    same ``victim_id``; compensation pays for each victim at most once.
    """

    __tablename__ = "victims"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<Victim {self.id}>"


class DuplicateOutcome(StrEnum):
    # Not the same claim: the pair is not offered again.
    dismissed = "dismissed"
    # The same household registered twice: one case was merged into the other.
    merged = "merged"
    # Different households claiming for the same person(s): both cases go on, the
    # persons are linked as one victim.
    same_victim = "same_victim"


DUPLICATE_OUTCOME_LABELS = {
    DuplicateOutcome.dismissed: _l("Not a duplicate"),
    # Of two cases compared ("merged" as a case stage is one case).
    DuplicateOutcome.merged: lazy_pgettext("duplicate decision", "Merged"),
    DuplicateOutcome.same_victim: _l("Same victim, different households"),
}


class DuplicateDecision(db.Model):
    """A supervisor's decision on a candidate pair of cases (stored once per pair)."""

    __tablename__ = "duplicate_decisions"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id"),
        CheckConstraint("case_id < other_case_id", name="ordered_pair"),
        Index("ix_duplicate_decisions_other_case_id", "other_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The pair in id order, so that (a, b) and (b, a) are the same row.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    outcome: Mapped[DuplicateOutcome] = mapped_column(
        string_enum(DuplicateOutcome)
    )
    # The candidate score when the decision was taken, for later review.
    score: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by = relationship("User", lazy="joined")

    @staticmethod
    def ordered(case_id: int, other_case_id: int) -> tuple[int, int]:
        return (case_id, other_case_id) if case_id < other_case_id else (other_case_id, case_id)


class DuplicateFlag(db.Model):
    """A caseworker's request that a supervisor decide a candidate pair of cases, with a
    short note; cleared by the supervisor's decision on the pair (``decision_id``).

    Stored once per pair, in id order as decisions are: a decided pair is never offered
    again, so it cannot be flagged again either. The row stays after the decision, so the
    pair's history says who asked and why.
    """

    __tablename__ = "duplicate_flags"
    __table_args__ = (
        UniqueConstraint("case_id", "other_case_id"),
        CheckConstraint("case_id < other_case_id", name="ordered_pair"),
        Index("ix_duplicate_flags_other_case_id", "other_case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    note: Mapped[str] = mapped_column(String(500))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The supervisor's decision on the pair, which cleared the flag.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("duplicate_decisions.id"))

    flagged_by = relationship("User", lazy="joined")
    decision = relationship(DuplicateDecision)

    @property
    def is_open(self) -> bool:
        return self.decision_id is None and self.decision is None

    def other_than(self, case_id: int) -> int:
        """The pair's other case, seen from `case_id`."""
        return self.other_case_id if self.case_id == case_id else self.case_id
