"""Cases: one claimant family's claim, its stage history and its reference counter."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, IntFlag, StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.intake.models.incidents import Incident
    from casework.intake.models.losses import Loss
    from casework.intake.models.persons import Person


class CaseStage(StrEnum):
    """Every stage of the case lifecycle (see casework.intake.lifecycle for the transitions)."""

    intake = "intake"
    registered = "registered"
    under_review = "under_review"
    eligible = "eligible"
    ineligible = "ineligible"
    appeal = "appeal"
    reopened = "reopened"
    acknowledged = "acknowledged"
    compensation = "compensation"
    closed = "closed"
    withdrawn = "withdrawn"
    merged = "merged"


STAGE_LABELS = {
    CaseStage.intake: _l("Intake"),
    CaseStage.registered: _l("Registered"),
    CaseStage.under_review: _l("Under review"),
    CaseStage.eligible: _l("Eligible"),
    CaseStage.ineligible: _l("Ineligible"),
    CaseStage.appeal: _l("Appeal"),
    CaseStage.reopened: _l("Reopened"),
    CaseStage.acknowledged: _l("Acknowledged"),
    CaseStage.compensation: _l("Compensation"),
    CaseStage.closed: _l("Closed"),
    CaseStage.withdrawn: _l("Withdrawn"),
    CaseStage.merged: _l("Merged"),
}

# Stages a case does not leave by ordinary work (reopening a closed case is its own action).
FINAL_STAGES = frozenset({CaseStage.closed, CaseStage.withdrawn, CaseStage.merged})
OPEN_STAGES = frozenset(CaseStage) - FINAL_STAGES


class Language(StrEnum):
    ar = "ar"
    en = "en"
    ku = "ku"


LANGUAGE_LABELS = {Language.ar: "العربية", Language.en: "English", Language.ku: "Kurdî"}


class DeliveryChannel(StrEnum):
    """How the family wants to receive letters."""

    in_person = "in_person"
    post = "post"
    email = "email"
    messaging = "messaging"


DELIVERY_CHANNEL_LABELS = {
    DeliveryChannel.in_person: _l("In person, at the office or a visit"),
    DeliveryChannel.post: _l("Post"),
    DeliveryChannel.email: _l("Email"),
    DeliveryChannel.messaging: _l("Phone messaging app"),
}


class VulnerabilityFlag(IntFlag):
    child_victims = 1
    orphaned_children = 2
    disability = 4
    female_headed = 8
    elderly = 16


VULNERABILITY_LABELS = {
    VulnerabilityFlag.child_victims: _l("Child victims"),
    VulnerabilityFlag.orphaned_children: _l("Orphaned children"),
    VulnerabilityFlag.disability: _l("Disability"),
    VulnerabilityFlag.female_headed: _l("Female-headed household"),
    VulnerabilityFlag.elderly: _l("Elderly"),
}


class Priority(IntEnum):
    """P1 is the most urgent, so that ascending order is queue order."""

    p1 = 1
    p2 = 2
    p3 = 3
    p4 = 4


PRIORITY_LABELS = {
    Priority.p1: _l("P1 — urgent"),
    Priority.p2: _l("P2 — high"),
    Priority.p3: _l("P3 — raised"),
    Priority.p4: _l("P4 — normal"),
}


class FlagSet(db.TypeDecorator):
    """A set of vulnerability flags stored as an integer bit mask."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int(value)

    def process_result_value(self, value, dialect):
        return None if value is None else VulnerabilityFlag(value)



class CaseIncident(db.Model):
    """Links a case to an incident it claims for (a mapped row, so the audit trail sees it)."""

    __tablename__ = "case_incidents"
    __table_args__ = (Index("ix_case_incidents_incident_id_case_id", "incident_id", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)

    case: Mapped[Case] = relationship(back_populates="incident_links")
    incident: Mapped[Incident] = relationship()


class Case(db.Model):
    __tablename__ = "cases"
    # Every list filter and sort has an index; queue order is (priority, id) ascending.
    __table_args__ = (
        Index("ix_cases_office_id_id", "office_id", "id"),
        Index("ix_cases_office_id_priority_id", "office_id", "priority", "id"),
        Index("ix_cases_office_id_stage_priority_id", "office_id", "stage", "priority", "id"),
        Index("ix_cases_office_id_stage_id", "office_id", "stage", "id"),
        Index("ix_cases_office_id_due_on_id", "office_id", "due_on", "id"),
        Index("ix_cases_assigned_to_id_priority_id", "assigned_to_id", "priority", "id"),
        Index("ix_cases_office_id_assigned_to_id_priority_id", "office_id", "assigned_to_id",
              "priority", "id"),
        # Auditors list across offices.
        Index("ix_cases_priority_id", "priority", "id"),
        Index("ix_cases_stage_priority_id", "stage", "priority", "id"),
        Index("ix_cases_due_on_id", "due_on", "id"),
        Index("ix_cases_merged_into_id", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # OFFICE-YEAR-NUMBER, e.g. RQA-2026-000123; see casework.intake.references.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    stage: Mapped[CaseStage] = mapped_column(string_enum(CaseStage), default=CaseStage.intake)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The date the current stage's deadline falls on (none when the stage has none).
    due_on: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Derived from the household (see casework.intake.vulnerability) plus what the
    # caseworker asserts that the household data does not show.
    vulnerability: Mapped[VulnerabilityFlag] = mapped_column(
        FlagSet, default=VulnerabilityFlag(0)
    )
    asserted_vulnerability: Mapped[VulnerabilityFlag] = mapped_column(
        FlagSet, default=VulnerabilityFlag(0)
    )
    priority: Mapped[int] = mapped_column(SmallInteger, default=int(Priority.p4))

    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_notes: Mapped[str | None] = mapped_column(String(500))
    current_address: Mapped[str | None] = mapped_column(Text)
    preferred_language: Mapped[Language] = mapped_column(string_enum(Language, 2))
    delivery_channel: Mapped[DeliveryChannel] = mapped_column(string_enum(DeliveryChannel))

    # Informed consent: when it was given, who recorded it, and which text was read.
    consent_given_on: Mapped[date | None] = mapped_column(Date)
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_text_version: Mapped[str | None] = mapped_column(String(20))

    # Set when the case is merged into the surviving duplicate.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: every change to the case or its household bumps it.
    version: Mapped[int] = mapped_column(Integer)

    office = relationship("Office", lazy="joined", innerjoin=True)
    assigned_to = relationship("User", foreign_keys=[assigned_to_id], lazy="joined")
    consent_recorded_by = relationship("User", foreign_keys=[consent_recorded_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    incident_links: Mapped[list[CaseIncident]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    incidents: Mapped[list[Incident]] = relationship(
        secondary="case_incidents", viewonly=True, order_by="Incident.occurred_on"
    )
    persons: Mapped[list[Person]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Person.id"
    )
    losses: Mapped[list[Loss]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Loss.id"
    )
    transitions: Mapped[list[CaseTransition]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseTransition.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def priority_level(self) -> Priority:
        return Priority(self.priority)

    @property
    def consent_complete(self) -> bool:
        return bool(
            self.consent_given_on and self.consent_recorded_by_id and self.consent_text_version
        )

    @property
    def head_of_household(self) -> Person | None:
        return next((p for p in self.persons if p.is_head), None)

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.stage}>"


class CaseTransition(db.Model):
    """One step of a case through its lifecycle: who, when, from where to where, and why."""

    __tablename__ = "case_transitions"
    __table_args__ = (Index("ix_case_transitions_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    from_stage: Mapped[CaseStage] = mapped_column(string_enum(CaseStage))
    to_stage: Mapped[CaseStage] = mapped_column(string_enum(CaseStage))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="transitions")
    actor = relationship("User", lazy="joined")


class ReferenceCounter(db.Model):
    """The last case number given per office and year; its row is locked while allocating."""

    __tablename__ = "case_reference_counters"
    __audit_exempt__ = "derived: each allocated reference is recorded on its case row"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)
