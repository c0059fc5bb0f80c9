"""Material losses a family claims: homes, livelihoods, other property."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.intake.models.cases import Case
    from casework.intake.models.incidents import Incident


class LossKind(StrEnum):
    home_destroyed = "home_destroyed"
    home_damaged = "home_damaged"
    livelihood = "livelihood"
    other_property = "other_property"


LOSS_KIND_LABELS = {
    LossKind.home_destroyed: _l("Home destroyed"),
    LossKind.home_damaged: _l("Home damaged"),
    LossKind.livelihood: _l("Livelihood (shop, workshop, land, livestock, vehicle for work)"),
    LossKind.other_property: _l("Other property"),
}


class Loss(db.Model):
    __tablename__ = "losses"
    __table_args__ = (
        Index("ix_losses_case_id_id", "case_id", "id"),
        CheckConstraint(
            "(estimated_value_minor IS NULL) = (currency IS NULL)", name="value_with_currency"
        ),
        CheckConstraint("estimated_value_minor >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[LossKind] = mapped_column(
        string_enum(LossKind)
    )
    description: Mapped[str | None] = mapped_column(String(1000))
    # Money: an integer in the currency's minor units, with its ISO 4217 code.
    estimated_value_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="losses")
    incident: Mapped[Incident | None] = relationship()

    def __repr__(self) -> str:
        return f"<Loss {self.id} case={self.case_id} {self.kind}>"
