"""Incidents: strikes or attacks that many cases may share, with their official assessment.

Incidents are not case data of one office: every office's caseworkers record claims
against the same strikes, so they carry the `shared` scope (see casework.core.authz).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.i18n import join_list
from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db


class SharedRecord:
    """Reference data shared across offices: every case role reaches it, admins none."""

    __scope__ = "shared"


class Weapon(StrEnum):
    air_dropped_bomb = "air_dropped_bomb"
    guided_missile = "guided_missile"
    artillery = "artillery"
    mortar = "mortar"
    rocket = "rocket"
    drone_strike = "drone_strike"
    other = "other"
    unknown = "unknown"


WEAPON_LABELS = {
    Weapon.air_dropped_bomb: _l("Air-dropped bomb"),
    Weapon.guided_missile: _l("Guided missile"),
    Weapon.artillery: _l("Artillery"),
    Weapon.mortar: _l("Mortar"),
    Weapon.rocket: _l("Rocket"),
    Weapon.drone_strike: _l("Drone strike"),
    Weapon.other: _l("Other"),
    Weapon.unknown: _l("Unknown"),
}


class PartyRole(StrEnum):
    """What a state or force did in the incident."""

    strike = "strike"
    artillery = "artillery"
    refuelling = "refuelling"
    surveillance_intelligence = "surveillance_intelligence"
    unknown = "unknown"


PARTY_ROLE_LABELS = {
    PartyRole.strike: _l("Carried out the strike"),
    PartyRole.artillery: _l("Artillery"),
    PartyRole.refuelling: _l("Refuelling"),
    PartyRole.surveillance_intelligence: _l("Surveillance or intelligence"),
    PartyRole.unknown: _l("Unknown"),
}


class Credibility(StrEnum):
    pending = "pending"
    credible = "credible"
    non_credible = "non_credible"
    reopened = "reopened"


CREDIBILITY_LABELS = {
    Credibility.pending: _l("Pending"),
    Credibility.credible: _l("Credible"),
    Credibility.non_credible: _l("Non-credible"),
    Credibility.reopened: _l("Reopened"),
}



class Incident(SharedRecord, db.Model):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_occurred_on_id", "occurred_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    # The local calendar date and clock time at the place of the strike, as reported;
    # not an instant (the time is often unknown), hence no UTC timestamp.
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_time: Mapped[time | None] = mapped_column(Time)
    neighbourhood: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    weapon: Mapped[Weapon] = mapped_column(string_enum(Weapon, 30))
    weapon_detail: Mapped[str | None] = mapped_column(String(200))
    stated_target: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    # The latest entry of the assessment history, kept here for lists and filters.
    credibility: Mapped[Credibility] = mapped_column(string_enum(Credibility, 20))
    credibility_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    parties: Mapped[list[IncidentParty]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentParty.id"
    )
    external_references: Mapped[list[ExternalReference]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="ExternalReference.id"
    )
    assessments: Mapped[list[CredibilityAssessment]] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        order_by="(CredibilityAssessment.assessed_on, CredibilityAssessment.id)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def place(self) -> str:
        return join_list(part for part in (self.neighbourhood, self.city) if part)

    def __repr__(self) -> str:
        return f"<Incident {self.reference}>"


class IncidentParty(SharedRecord, db.Model):
    """A state or force involved in an incident, and in what role."""

    __tablename__ = "incident_parties"
    __table_args__ = (UniqueConstraint("incident_id", "name", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[PartyRole] = mapped_column(string_enum(PartyRole, 30))

    incident: Mapped[Incident] = relationship(back_populates="parties")


class ExternalReference(SharedRecord, db.Model):
    """An NGO report id or link about the incident, stored as text (never fetched)."""

    __tablename__ = "incident_external_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))

    incident: Mapped[Incident] = relationship(back_populates="external_references")


class CredibilityAssessment(SharedRecord, db.Model):
    """One dated entry of the official credibility assessment; the latest is current."""

    __tablename__ = "credibility_assessments"
    __table_args__ = (
        Index("ix_credibility_assessments_incident_id_assessed_on", "incident_id", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    status: Mapped[Credibility] = mapped_column(string_enum(Credibility, 20))
    assessed_on: Mapped[date] = mapped_column(Date)
    # E.g. "Coalition monthly civilian casualty report, July 2018".
    source: Mapped[str] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="assessments")
    recorded_by = relationship("User", lazy="joined")
