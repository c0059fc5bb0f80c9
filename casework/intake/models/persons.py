"""Household members of a case.

Name search (normalised Arabic and Latin columns) and duplicate detection build on
this model; every change to a person goes through casework.intake.operations.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.models import UTCDateTime, string_enum, utcnow
from casework.extensions import db

if TYPE_CHECKING:
    from casework.intake.models.cases import Case
    from casework.intake.models.incidents import Incident


class Sex(StrEnum):
    female = "female"
    male = "male"


SEX_LABELS = {Sex.female: _l("Female"), Sex.male: _l("Male")}


class Relationship(StrEnum):
    """Relationship to the head of household."""

    head = "head"
    spouse = "spouse"
    son = "son"
    daughter = "daughter"
    father = "father"
    mother = "mother"
    brother = "brother"
    sister = "sister"
    grandchild = "grandchild"
    grandparent = "grandparent"
    other_relative = "other_relative"
    not_related = "not_related"


RELATIONSHIP_LABELS = {
    Relationship.head: _l("Head of household"),
    Relationship.spouse: _l("Spouse"),
    Relationship.son: _l("Son"),
    Relationship.daughter: _l("Daughter"),
    Relationship.father: _l("Father"),
    Relationship.mother: _l("Mother"),
    Relationship.brother: _l("Brother"),
    Relationship.sister: _l("Sister"),
    Relationship.grandchild: _l("Grandchild"),
    Relationship.grandparent: _l("Grandparent"),
    Relationship.other_relative: _l("Other relative"),
    Relationship.not_related: _l("Not related (lives in the household)"),
}

CHILD_OF_HEAD = frozenset({Relationship.son, Relationship.daughter})
PARENT_OF_CHILDREN = frozenset({Relationship.head, Relationship.spouse})


class Harm(StrEnum):
    killed = "killed"
    injured = "injured"
    missing = "missing"
    unharmed = "unharmed"


HARM_LABELS = {
    Harm.killed: _l("Killed"),
    Harm.injured: _l("Injured"),
    Harm.missing: _l("Missing"),
    Harm.unharmed: _l("Unharmed"),
}
# Harms suffered in an incident (a person with one of these is a victim of it).
VICTIM_HARMS = frozenset({Harm.killed, Harm.injured, Harm.missing})


class InjurySeverity(StrEnum):
    minor = "minor"
    moderate = "moderate"
    severe = "severe"
    permanent = "permanent"


INJURY_SEVERITY_LABELS = {
    InjurySeverity.minor: _l("Minor"),
    InjurySeverity.moderate: _l("Moderate"),
    InjurySeverity.severe: _l("Severe"),
    InjurySeverity.permanent: _l("Permanent impairment"),
}

ADULT_AGE = 18
ELDERLY_AGE = 60


def age_on(day: date, date_of_birth: date | None, approximate_age: int | None,
           age_as_of: date | None) -> int | None:
    """Age in whole years on a day: exact from a date of birth, else estimated."""
    if date_of_birth is not None:
        born = date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if approximate_age is not None and age_as_of is not None:
        return max(0, approximate_age + (day.year - age_as_of.year))
    return None


def birth_year_of(date_of_birth: date | None, approximate_age: int | None,
                  age_as_of: date | None) -> int | None:
    """The year of birth, exact or estimated from an age given on a day (for matching)."""
    if date_of_birth is not None:
        return date_of_birth.year
    if approximate_age is not None and age_as_of is not None:
        return age_as_of.year - approximate_age
    return None



class Person(db.Model):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_case_id_id", "case_id", "id"),
        # Incident totals (killed, injured) and duplicate blocking by incident.
        Index("ix_persons_incident_id_harm", "incident_id", "harm"),
        # Duplicate blocking (casework.duplicates.candidates): the given name's skeleton in
        # each script within an incident, and the whole name's skeleton with the birth year.
        # Each also carries every column a blocked member is ranked by, so that blocking
        # reads no row, only the index (migration 0010).
        Index("ix_persons_blocking_given_ar", "incident_id", "name_key_ar", "case_id", "sex",
              "birth_year", "name_key_latin", "full_name_key"),
        Index("ix_persons_blocking_given_latin", "incident_id", "name_key_latin", "case_id",
              "sex", "birth_year", "name_key_ar", "full_name_key"),
        Index("ix_persons_blocking_full_name", "full_name_key", "birth_year", "case_id", "sex",
              "incident_id", "name_key_ar", "name_key_latin"),
        Index("ix_persons_victim_id", "victim_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The incident in which this person was harmed (one of the case's incidents).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    name_ar: Mapped[str | None] = mapped_column(String(200))
    name_latin: Mapped[str | None] = mapped_column(String(200))
    # Matching keys and blocking keys derived from the two names (casework.intake.names);
    # filled at every flush by casework.search.indexing, searched through persons_fts
    # (SQLite FTS5) or a GIN full-text index (PostgreSQL), see migration 0005.
    name_ar_norm: Mapped[str | None] = mapped_column(String(200))
    name_latin_norm: Mapped[str | None] = mapped_column(String(200))
    name_key_ar: Mapped[str | None] = mapped_column(String(40))
    name_key_latin: Mapped[str | None] = mapped_column(String(40))
    full_name_key: Mapped[str | None] = mapped_column(String(120))
    # The victim this person is, once confirmed the same as persons in other cases
    # (casework.duplicates); compensation pays each victim at most once.
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("victims.id"))
    sex: Mapped[Sex] = mapped_column(string_enum(Sex, 10))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # An approximate age in years, as of `age_as_of` (for a person killed: the incident
    # date, i.e. their age when killed; otherwise the day it was recorded).
    approximate_age: Mapped[int | None] = mapped_column(SmallInteger)
    age_as_of: Mapped[date | None] = mapped_column(Date)
    # Exact from the date of birth, else estimated from the approximate age: for
    # age-based rules in SQL and for duplicate blocking.
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    relationship_to_head: Mapped[Relationship] = mapped_column(string_enum(Relationship))
    harm: Mapped[Harm] = mapped_column(string_enum(Harm, 10))
    injury_severity: Mapped[InjurySeverity | None] = mapped_column(string_enum(InjurySeverity, 10))
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    disability_description: Mapped[str | None] = mapped_column(String(300))
    is_payee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="persons")
    incident: Mapped[Incident | None] = relationship()

    @property
    def is_head(self) -> bool:
        return self.relationship_to_head == Relationship.head

    @property
    def is_alive(self) -> bool:
        """Not known to be dead or missing."""
        return self.harm in (Harm.injured, Harm.unharmed)

    @property
    def display_name(self) -> str:
        return " / ".join(name for name in (self.name_ar, self.name_latin) if name)

    def age_on(self, day: date) -> int | None:
        """Age in whole years on a day: exact from the date of birth, else estimated."""
        return age_on(day, self.date_of_birth, self.approximate_age, self.age_as_of)

    def __repr__(self) -> str:
        return f"<Person {self.id} case={self.case_id} {self.relationship_to_head}>"
