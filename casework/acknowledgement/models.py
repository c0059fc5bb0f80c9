"""The acknowledgement of a case's facts, the apology, its delivery and the family's response.

One acknowledgement records what the acknowledging party (e.g. the coalition, or a
member state's ministry of defence) said about the incident: whether it accepts
responsibility, and, fact by fact, what the family was told (the "right to know") or
that the fact was withheld and the reason given. The apology text is kept in the
family's language, with how, when and by whom it was delivered. Once delivered the
record is kept as delivered; the family's responses are appended, never edited.
Letters (a later issue) render the facts from these rows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db
from casework.intake.models.cases import Case, Language


class Responsibility(StrEnum):
    """What the acknowledging party said about its responsibility."""

    accepted = "accepted"
    # E.g. US DoD condolence payments (DoD Instruction 3000.17).
    ex_gratia = "ex_gratia"
    not_accepted = "not_accepted"


RESPONSIBILITY_LABELS = {
    Responsibility.accepted: _l("Responsibility accepted"),
    Responsibility.ex_gratia: _l("Ex gratia, without admission of wrongdoing"),
    Responsibility.not_accepted: _l("Facts acknowledged, responsibility not accepted"),
}


class FactKind(StrEnum):
    """The facts the families asked to be told (the "right to know"), in letter order."""

    target = "target"
    location = "location"
    weapon = "weapon"
    participating_states = "participating_states"
    target_verification = "target_verification"
    civilian_precautions = "civilian_precautions"


FACT_LABELS = {
    FactKind.target: _l("The target and its nature"),
    FactKind.location: _l("The exact location"),
    FactKind.weapon: _l("The weapon or munition"),
    FactKind.participating_states: _l("Which states took part, and in what role"),
    FactKind.target_verification: _l("How the target was verified"),
    FactKind.civilian_precautions: _l("The precautions taken for civilians"),
}


class DeliveryMethod(StrEnum):
    in_person = "in_person"
    letter = "letter"
    phone = "phone"
    video_call = "video_call"
    messaging = "messaging"


DELIVERY_METHOD_LABELS = {
    DeliveryMethod.in_person: _l("In person"),
    DeliveryMethod.letter: _l("Letter"),
    DeliveryMethod.phone: _l("Phone call"),
    DeliveryMethod.video_call: _l("Video call"),
    DeliveryMethod.messaging: _l("Message (phone messaging app)"),
}


class FamilyResponseKind(StrEnum):
    accepted = "accepted"
    rejected = "rejected"
    wants_meeting = "wants_meeting"
    no_response = "no_response"


FAMILY_RESPONSE_LABELS = {
    FamilyResponseKind.accepted: _l("Accepted the apology"),
    FamilyResponseKind.rejected: _l("Rejected the apology"),
    FamilyResponseKind.wants_meeting: _l("Wants a meeting"),
    FamilyResponseKind.no_response: _l("No response"),
}



class Acknowledgement(db.Model):
    __tablename__ = "acknowledgements"
    __table_args__ = (
        Index("ix_acknowledgements_case_id_id", "case_id", "id"),
        CheckConstraint("(apology_text IS NULL) = (apology_language IS NULL)",
                        name="apology_has_language"),
        # Delivery is recorded whole or not at all.
        CheckConstraint(
            "(delivered_on IS NULL) = (delivery_method IS NULL) "
            "AND (delivered_on IS NULL) = (delivered_by IS NULL) "
            "AND (delivered_on IS NULL) = (delivery_recorded_at IS NULL)",
            name="delivery_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # E.g. "Combined Joint Task Force – Operation Inherent Resolve (the coalition)".
    acknowledging_party: Mapped[str] = mapped_column(String(300))
    acknowledged_on: Mapped[date] = mapped_column(Date)
    responsibility: Mapped[Responsibility] = mapped_column(string_enum(Responsibility, 30))
    # Where the acknowledgement was made, e.g. "Monthly civilian casualty report, July 2018".
    source: Mapped[str | None] = mapped_column(String(500))

    # The apology, in the family's language (the case's preferred language when recorded).
    apology_text: Mapped[str | None] = mapped_column(Text)
    apology_language: Mapped[Language | None] = mapped_column(string_enum(Language, 2))

    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Delivery to the family: how, when, by whom (a person, not necessarily a user).
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(string_enum(DeliveryMethod, 20))
    delivered_by: Mapped[str | None] = mapped_column(String(300))
    delivery_notes: Mapped[str | None] = mapped_column(Text)
    delivery_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivery_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[int] = mapped_column(Integer)

    case: Mapped[Case] = relationship()
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    delivery_recorded_by = relationship("User", foreign_keys=[delivery_recorded_by_id])
    facts: Mapped[list[AcknowledgementFact]] = relationship(
        back_populates="acknowledgement", cascade="all, delete-orphan",
        order_by="AcknowledgementFact.position",
    )
    responses: Mapped[list[FamilyResponse]] = relationship(
        back_populates="acknowledgement", cascade="all, delete-orphan",
        order_by="FamilyResponse.id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_delivered(self) -> bool:
        return self.delivered_on is not None

    @property
    def latest_response(self) -> FamilyResponse | None:
        return self.responses[-1] if self.responses else None

    def fact(self, kind: FactKind) -> AcknowledgementFact | None:
        return next((fact for fact in self.facts if fact.kind == kind), None)

    def __repr__(self) -> str:
        return f"<Acknowledgement {self.id} of case {self.case_id}>"


class AcknowledgementFact(db.Model):
    """One fact of the right to know: disclosed (with what was said) or withheld (and why)."""

    __tablename__ = "acknowledgement_facts"
    __table_args__ = (
        UniqueConstraint("acknowledgement_id", "kind"),
        CheckConstraint(
            "(disclosed AND text IS NOT NULL AND withheld_reason IS NULL) "
            "OR (NOT disclosed AND text IS NULL AND withheld_reason IS NOT NULL)",
            name="disclosed_or_withheld_with_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acknowledgement_id: Mapped[int] = mapped_column(ForeignKey("acknowledgements.id"))
    kind: Mapped[FactKind] = mapped_column(string_enum(FactKind, 30))
    # The order letters list the facts in (FactKind's order).
    position: Mapped[int] = mapped_column(Integer)
    disclosed: Mapped[bool] = mapped_column(Boolean)
    # What the family was told, when disclosed.
    text: Mapped[str | None] = mapped_column(Text)
    # The reason the acknowledging party gave for withholding it.
    withheld_reason: Mapped[str | None] = mapped_column(Text)

    acknowledgement: Mapped[Acknowledgement] = relationship(back_populates="facts")

    @property
    def audit_case_id(self) -> int | None:
        return self.acknowledgement.case_id if self.acknowledgement is not None else None


class FamilyResponse(db.Model):
    """The family's response to the apology, and the follow-up it calls for; appended only."""

    __tablename__ = "acknowledgement_family_responses"
    __table_args__ = (
        Index("ix_acknowledgement_family_responses_acknowledgement_id_id",
              "acknowledgement_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acknowledgement_id: Mapped[int] = mapped_column(ForeignKey("acknowledgements.id"))
    response: Mapped[FamilyResponseKind] = mapped_column(string_enum(FamilyResponseKind, 20))
    # The day the family responded (for no_response: the day the caseworker noted it).
    responded_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # The next contact planned with the family, and what it is for.
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    acknowledgement: Mapped[Acknowledgement] = relationship(back_populates="responses")
    recorded_by = relationship("User", lazy="joined")

    @property
    def audit_case_id(self) -> int | None:
        return self.acknowledgement.case_id if self.acknowledgement is not None else None
