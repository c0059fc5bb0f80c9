"""`flask demo generate --cases N`: synthetic cases for benchmarks, a million in minutes.

Why this bypasses the ORM and the audit trail, on purpose: a million cases are four to
five million household members; through the intake operations (one flush per change,
one audit event per row) that would take hours. Generated data is benchmark data, not
anybody's claim, so it is written with batched Core inserts (SQLite executemany,
PostgreSQL COPY) on a connection of its own, and no audit event is recorded for it
(the synthetic caseworkers it may add are created through the user operations, and so
are audited). Everything else stays as the application would have it:

- references are allocated from the reference counter table, per office and year, in
  the same transaction as the cases that use them (the counter rows are locked, so an
  intake running meanwhile gets the next free number): gap-free and unique;
- vulnerability flags and priorities come from casework.intake.vulnerability;
- stages follow the case lifecycle table (casework.intake.lifecycle.CASE_TRANSITIONS):
  each case is moved along the shortest path of transitions to its stage, and every
  step is written as a transition row;
- the normalised name columns come from casework.intake.names.person_name_columns, and
  the full-text index is kept (PostgreSQL: its generated column; SQLite: rebuilt at the
  end of the load, see SQLiteBulkLoad).

Names are fictional: common given names and family names combined at random, with the
usual transliteration variants (Mohammed / Muhammad, al-Hassan / Al Hasan), so that
search and duplicate detection have realistic work to do. About one household in two
hundred is registered a second time (another office, other spellings), as duplicate
claims are.
"""

from __future__ import annotations

import random
import time as clock
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from casework.auth import operations as auth_operations
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.core.models import utcnow
from casework.core.transaction import unit_of_work
from casework.extensions import db
from casework.intake.lifecycle import CASE_TRANSITIONS, deadline_days
from casework.intake.models.cases import CaseStage, ReferenceCounter
from casework.intake.models.persons import (
    VICTIM_HARMS,
    Harm,
    Relationship,
    Sex,
    age_on,
    birth_year_of,
)
from casework.intake.names import person_name_columns
from casework.intake.references import format_reference
from casework.intake.validation import DEFAULT_CONSENT_TEXT_VERSIONS
from casework.intake.vulnerability import derive_flags, derive_priority

CASEWORKERS_PER_OFFICE = 10
SYNTHETIC_DOMAIN = "synthetic.casework"
INCIDENT_PREFIX = "SYN-2017-"
FIRST_CASE_DAY = date(2018, 1, 15)
CAMPAIGN = (date(2017, 6, 6), date(2017, 10, 17))
DUPLICATE_SHARE = 0.005
DEADLINE_EFFECT = "start_deadline_"
SQLITE_CACHE_KIB = 2 * 1024 * 1024

# -- fictional names ----------------------------------------------------------------------
# (Arabic, Latin spellings); the first spelling is the most common.
MALE_NAMES = [
    ("محمد", ("Mohammed", "Muhammad", "Mohamad", "Mohamed")),
    ("أحمد", ("Ahmad", "Ahmed")),
    ("محمود", ("Mahmoud", "Mahmud")),
    ("خالد", ("Khaled", "Khalid")),
    ("عمر", ("Omar", "Umar")),
    ("علي", ("Ali",)),
    ("حسن", ("Hassan", "Hasan")),
    ("حسين", ("Hussein", "Husain", "Hussain")),
    ("إبراهيم", ("Ibrahim", "Ebrahim")),
    ("يوسف", ("Yusuf", "Yousef", "Youssef")),
    ("مصطفى", ("Mustafa", "Moustafa")),
    ("عبد الله", ("Abdullah", "Abdallah", "Abd Allah")),
    ("عبد الرحمن", ("Abdulrahman", "Abd al-Rahman", "Abdelrahman")),
    ("سعيد", ("Saeed", "Said")),
    ("جاسم", ("Jasim", "Jassem")),
    ("فيصل", ("Faisal", "Faysal")),
    ("سليمان", ("Suleiman", "Sulayman")),
    ("رامي", ("Rami",)),
    ("وليد", ("Walid", "Waleed")),
    ("ماجد", ("Majed", "Majid")),
    ("طارق", ("Tariq", "Tarek")),
    ("زياد", ("Ziad", "Ziyad")),
    ("نبيل", ("Nabil", "Nabeel")),
    ("عماد", ("Imad", "Emad")),
    ("قاسم", ("Qasim", "Kassem")),
    ("ياسر", ("Yasser", "Yasir")),
    ("هشام", ("Hisham", "Hesham")),
    ("بشير", ("Bashir", "Basheer")),
    ("صالح", ("Saleh", "Salih")),
    ("منير", ("Munir", "Mounir")),
    ("رياض", ("Riyad", "Riad")),
    ("عادل", ("Adel", "Adil")),
    ("فراس", ("Firas",)),
    ("غسان", ("Ghassan",)),
    ("أنس", ("Anas",)),
    ("بلال", ("Bilal",)),
]
FEMALE_NAMES = [
    ("فاطمة", ("Fatima", "Fatimah", "Fatma")),
    ("مريم", ("Maryam", "Mariam")),
    ("عائشة", ("Aisha", "Aysha")),
    ("خديجة", ("Khadija", "Khadijah")),
    ("زينب", ("Zainab", "Zeinab")),
    ("نور", ("Nour", "Nur")),
    ("هدى", ("Huda", "Hoda")),
    ("سلمى", ("Salma",)),
    ("ليلى", ("Layla", "Leila")),
    ("رنا", ("Rana",)),
    ("سارة", ("Sara", "Sarah")),
    ("آمنة", ("Amina", "Amna")),
    ("رقية", ("Ruqayya", "Roqaya")),
    ("حليمة", ("Halima", "Halimah")),
    ("سعاد", ("Suad", "Souad")),
    ("وفاء", ("Wafa", "Wafaa")),
    ("دعاء", ("Duaa", "Doaa")),
    ("ياسمين", ("Yasmin", "Yasmine")),
    ("رهف", ("Rahaf",)),
    ("جنى", ("Jana",)),
    ("بتول", ("Batoul", "Batul")),
    ("غادة", ("Ghada",)),
    ("نادية", ("Nadia", "Nadiya")),
    ("سميرة", ("Samira", "Samirah")),
    ("لمى", ("Lama",)),
    ("شيماء", ("Shaimaa", "Shayma")),
]
FAMILY_NAMES = [
    ("الحسن", ("al-Hassan", "Al Hasan", "el-Hassan")),
    ("العلي", ("al-Ali", "Al Ali")),
    ("الأحمد", ("al-Ahmad", "Al Ahmed")),
    ("الخليل", ("al-Khalil", "El Khalil")),
    ("الجاسم", ("al-Jasim", "Al Jassem")),
    ("الحمود", ("al-Hamoud", "Al Hammoud")),
    ("الصالح", ("al-Saleh", "Al Salih")),
    ("العبد الله", ("al-Abdullah", "Al Abdallah")),
    ("الحسين", ("al-Hussein", "Al Husain")),
    ("المحمد", ("al-Mohammed", "Al Muhammad")),
    ("الدرويش", ("al-Darwish", "Darwish")),
    ("الشيخ", ("al-Sheikh", "El Sheikh")),
    ("العمر", ("al-Omar", "Al Umar")),
    ("الإبراهيم", ("al-Ibrahim", "Al Ebrahim")),
    ("الرشيد", ("al-Rashid", "Al Rachid")),
    ("الفرج", ("al-Faraj", "Al Farag")),
    ("السليمان", ("al-Suleiman", "Al Sulayman")),
    ("النجار", ("al-Najjar", "Najar")),
    ("الحداد", ("al-Haddad", "Haddad")),
    ("الخطيب", ("al-Khatib", "Khateeb")),
    ("العيسى", ("al-Issa", "Al Eisa")),
    ("الموسى", ("al-Mousa", "Al Musa")),
    ("الكردي", ("al-Kurdi", "Kurdi")),
    ("البكري", ("al-Bakri", "Bakri")),
    ("الرفاعي", ("al-Rifai", "Al Refai")),
    ("الظاهر", ("al-Dhaher", "Al Zaher")),
    ("العثمان", ("al-Othman", "Al Uthman")),
    ("الخضر", ("al-Khader", "Al Khudr")),
    ("الهادي", ("al-Hadi", "El Hadi")),
    ("المصطفى", ("al-Mustafa", "Al Moustafa")),
]
NEIGHBOURHOODS = [
    ("al-Mashlab", "المشلب", 35.952, 39.035),
    ("al-Sinaa", "الصناعة", 35.946, 39.020),
    ("al-Rumaniya", "الرومانية", 35.958, 38.990),
    ("al-Daraiya", "الدرعية", 35.955, 38.975),
    ("al-Jazra", "الجزرة", 35.960, 38.960),
    ("al-Badu", "البدو", 35.949, 39.010),
    ("al-Thakana", "الثكنة", 35.953, 39.005),
    ("al-Nahda", "النهضة", 35.962, 39.015),
    ("Hisham Ibn Abdul Malik", "هشام بن عبد الملك", 35.944, 39.028),
]
WEAPONS = (("air_dropped_bomb", 45), ("artillery", 25), ("guided_missile", 10), ("mortar", 10),
           ("rocket", 4), ("drone_strike", 3), ("unknown", 3))
TARGETS = ("Daesh fighting position", "Daesh headquarters", "Daesh vehicle", None, None)
CREDIBILITY = (("non_credible", 50), ("pending", 25), ("credible", 20), ("reopened", 5))
STAGE_WEIGHTS = {CaseStage.intake: 25, CaseStage.registered: 60, CaseStage.withdrawn: 3}
OTHER_STAGE_WEIGHT = 6
LANGUAGES = (("ar", 85), ("ku", 10), ("en", 5))
CHANNELS = (("in_person", 50), ("messaging", 35), ("post", 10), ("email", 5))
LOSS_KINDS = (("home_destroyed", 35), ("home_damaged", 35), ("livelihood", 20),
              ("other_property", 10))
CURRENCIES = (("USD", 70), ("SYP", 10), (None, 20))


def _weighted(pairs: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    return [value for value, _weight in pairs], [weight for _value, weight in pairs]


# -- rows ---------------------------------------------------------------------------------

CASE_COLUMNS = (
    "id", "reference", "office_id", "stage", "stage_changed_at", "due_on", "registered_at",
    "assigned_to_id", "vulnerability", "asserted_vulnerability", "priority", "contact_phone",
    "contact_email", "current_address", "preferred_language", "delivery_channel",
    "consent_given_on", "consent_recorded_by_id", "consent_text_version", "created_at",
    "created_by_id", "updated_at", "updated_by_id", "version",
)
PERSON_COLUMNS = (
    "id", "case_id", "incident_id", "name_ar", "name_latin", "name_ar_norm", "name_latin_norm",
    "name_key_ar", "name_key_latin", "full_name_key", "sex", "date_of_birth", "approximate_age",
    "age_as_of", "birth_year", "relationship_to_head", "harm", "injury_severity",
    "has_disability", "disability_description", "is_payee", "created_at", "updated_at",
)
LOSS_COLUMNS = ("id", "case_id", "incident_id", "kind", "description", "estimated_value_minor",
                "currency", "created_at", "updated_at")
LINK_COLUMNS = ("case_id", "incident_id")
TRANSITION_COLUMNS = ("id", "case_id", "from_stage", "to_stage", "action", "actor_id", "at",
                      "reason")
INCIDENT_COLUMNS = ("id", "reference", "occurred_on", "occurred_time", "neighbourhood", "city",
                    "latitude", "longitude", "weapon", "stated_target", "description",
                    "credibility", "credibility_on", "created_at", "updated_at", "version")
PARTY_COLUMNS = ("id", "incident_id", "name", "role")
ASSESSMENT_COLUMNS = ("id", "incident_id", "status", "assessed_on", "source", "recorded_at")
TABLE_COLUMNS = {
    "cases": CASE_COLUMNS, "persons": PERSON_COLUMNS, "losses": LOSS_COLUMNS,
    "case_incidents": LINK_COLUMNS, "case_transitions": TRANSITION_COLUMNS,
    "incidents": INCIDENT_COLUMNS, "incident_parties": PARTY_COLUMNS,
    "credibility_assessments": ASSESSMENT_COLUMNS,
}


def check_columns() -> None:
    """Fail early if the schema gained a required column the generator does not fill."""
    for table_name, columns in TABLE_COLUMNS.items():
        table = db.metadata.tables[table_name]
        unknown = set(columns) - set(table.c.keys())
        missing = {c.name for c in table.columns
                   if not c.nullable and c.server_default is None and c.name not in columns}
        if unknown or missing:
            raise RuntimeError(f"generator out of date for {table_name}: "
                               f"unknown {sorted(unknown)}, missing {sorted(missing)}")


class Writer:
    """Writes rows (tuples in a table's column order) through the driver, fast."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.raw = connection.connection.driver_connection

    def timestamp(self, moment: datetime) -> Any:
        if self.dialect == "sqlite":
            # SQLAlchemy's storage format for SQLite (UTC, no offset).
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def clock_time(self, hour: int, minute: int) -> str:
        suffix = ":00.000000" if self.dialect == "sqlite" else ""
        return f"{hour:02d}:{minute:02d}{suffix}"

    def day(self, value: date | None) -> Any:
        if value is None or self.dialect != "sqlite":
            return value
        return value.isoformat()

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        # Table and column names are this module's constants, never input.
        columns = ", ".join(TABLE_COLUMNS[table])
        if self.dialect == "sqlite":
            placeholders = ", ".join("?" for _ in TABLE_COLUMNS[table])
            self.raw.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
            return
        with self.raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def lock(self) -> None:
        """On SQLite, take the write lock now (BEGIN is deferred): ids are read after it."""
        if self.dialect == "sqlite":
            self.connection.exec_driver_sql(
                "UPDATE case_reference_counters SET last_number = last_number WHERE 0 = 1")

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """Ids for new rows: the sequence's on PostgreSQL; after the largest on SQLite.

        On SQLite the caller holds the write lock (it has written in this transaction),
        so nobody else can take these ids meanwhile.
        """
        if count == 0:
            return []
        id_column = db.metadata.tables[table].c.id
        if self.dialect == "sqlite":
            last = self.connection.execute(select(func.coalesce(func.max(id_column), 0)))
            first = last.scalar_one() + 1
            return list(range(first, first + count))
        sequence = func.pg_get_serial_sequence(table, "id")
        rows = self.connection.execute(
            select(func.nextval(sequence)).select_from(func.generate_series(1, count)))
        return [row[0] for row in rows]


# -- households ---------------------------------------------------------------------------

@dataclass(slots=True)
class SyntheticPerson:
    """A generated household member: what the row needs and what the vulnerability rules read."""

    name_ar: str
    name_latin: str
    sex: Sex
    relationship_to_head: Relationship
    harm: Harm
    incident_id: int | None
    date_of_birth: date | None
    approximate_age: int | None
    age_as_of: date | None
    injury_severity: str | None = None
    has_disability: bool = False
    is_payee: bool = False

    @property
    def is_head(self) -> bool:
        return self.relationship_to_head == Relationship.head

    @property
    def is_alive(self) -> bool:
        return self.harm in (Harm.injured, Harm.unharmed)

    @property
    def birth_year(self) -> int | None:
        return birth_year_of(self.date_of_birth, self.approximate_age, self.age_as_of)

    def age_on(self, day: date) -> int | None:
        return age_on(day, self.date_of_birth, self.approximate_age, self.age_as_of)


@dataclass
class Household:
    persons: list[SyntheticPerson]
    family: tuple[str, tuple[str, ...]]
    # The incidents it claims for (a household registered twice claims for the same).
    incidents: list[IncidentInfo]


@dataclass
class IncidentInfo:
    id: int
    occurred_on: date
    neighbourhood: str


@dataclass
class OfficeInfo:
    id: int
    code: str
    caseworkers: list[int]


@dataclass
class Summary:
    cases: int = 0
    persons: int = 0
    losses: int = 0
    transitions: int = 0
    incidents: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    references: Counter = field(default_factory=Counter)


class HouseholdMaker:
    """Fictional households, reproducible from the seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.recent: deque[Household] = deque(maxlen=2000)
        self.duplicates = 0

    def _spell(self, name: tuple[str, tuple[str, ...]]) -> tuple[str, str]:
        arabic, spellings = name
        # The first spelling most of the time, another now and then.
        latin = spellings[0] if len(spellings) == 1 or self.rng.random() < 0.6 \
            else self.rng.choice(spellings[1:])
        return arabic, latin

    def _full_name(self, given, father, family) -> tuple[str, str]:
        parts = [self._spell(given), self._spell(father), self._spell(family)]
        return " ".join(p[0] for p in parts), " ".join(p[1] for p in parts)

    def _age(self, low: int, high: int, harmed_on: date | None, killed: bool,
             recorded_on: date) -> tuple[date | None, int | None, date | None]:
        """(date of birth, approximate age, age as of): mostly an approximate age.

        The age is drawn for the day of the harm (or of the recording, for the unharmed),
        so nobody is born after the strike that harmed them. A person killed is recorded
        with their age when killed, as the intake form does.
        """
        on = harmed_on or recorded_on
        age = self.rng.randint(low, high)
        if self.rng.random() < 0.3:
            return on - timedelta(days=age * 365 + self.rng.randint(1, 364)), None, None
        if killed:
            return None, age, harmed_on
        return None, age + (recorded_on.year - on.year), recorded_on

    def make(self, incidents: list[IncidentInfo], recorded_on: date) -> Household:
        rng = self.rng
        if self.recent and rng.random() < DUPLICATE_SHARE:
            self.duplicates += 1
            return self._respelled(rng.choice(self.recent))
        family = rng.choice(FAMILY_NAMES)
        head_male = rng.random() < 0.7
        head_given = rng.choice(MALE_NAMES if head_male else FEMALE_NAMES)
        incident = incidents[0]
        persons: list[SyntheticPerson] = []

        def add(given, father, fam, sex, relationship, low, high) -> None:
            harm = self._harm()
            harmed_in = rng.choice(incidents) if harm in VICTIM_HARMS else None
            born, age, as_of = self._age(low, high, harmed_in.occurred_on if harmed_in else None,
                                         harm == Harm.killed, recorded_on)
            name_ar, name_latin = self._full_name(given, father, fam)
            severity = rng.choice(("minor", "moderate", "severe", "permanent")) \
                if harm == Harm.injured else None
            persons.append(SyntheticPerson(
                name_ar, name_latin, sex, relationship, harm,
                harmed_in.id if harmed_in else None, born, age, as_of, severity,
                has_disability=severity == "permanent" or (harm == Harm.unharmed
                                                           and rng.random() < 0.02),
            ))

        head_sex = Sex.male if head_male else Sex.female
        add(head_given, rng.choice(MALE_NAMES), family, head_sex, Relationship.head, 22, 75)
        if head_male and rng.random() < 0.8:
            add(rng.choice(FEMALE_NAMES), rng.choice(MALE_NAMES), rng.choice(FAMILY_NAMES),
                Sex.female, Relationship.spouse, 18, 65)
        father_of_children = head_given if head_male else rng.choice(MALE_NAMES)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5))):
            male = rng.random() < 0.5
            add(rng.choice(MALE_NAMES if male else FEMALE_NAMES), father_of_children, family,
                Sex.male if male else Sex.female,
                Relationship.son if male else Relationship.daughter, 0, 25)
        if rng.random() < 0.12:
            male = rng.random() < 0.5
            add(rng.choice(MALE_NAMES if male else FEMALE_NAMES), rng.choice(MALE_NAMES),
                family if male else rng.choice(FAMILY_NAMES), Sex.male if male else Sex.female,
                Relationship.father if male else Relationship.mother, 60, 90)
        if not any(p.harm in VICTIM_HARMS for p in persons):
            # Every claim has a victim: the head (an adult, born before the strike) was injured.
            victim = persons[0]
            victim.harm, victim.incident_id = Harm.injured, incident.id
            victim.injury_severity = "moderate"
        self._choose_payee(persons, recorded_on)
        household = Household(persons, family, incidents)
        self.recent.append(household)
        return household

    def _harm(self) -> Harm:
        roll = self.rng.random()
        if roll < 0.14:
            return Harm.killed
        if roll < 0.32:
            return Harm.injured
        if roll < 0.35:
            return Harm.missing
        return Harm.unharmed

    @staticmethod
    def _choose_payee(persons: list[SyntheticPerson], on: date) -> None:
        adults = [p for p in persons if p.is_alive and (p.age_on(on) or 0) >= 18]
        if adults:
            adults[0].is_payee = True

    def _respelled(self, original: Household) -> Household:
        """The same household registered again, its Latin names spelled another way."""
        persons = []
        for person in original.persons:
            latin = person.name_latin
            for _arabic, spellings in (*MALE_NAMES, *FEMALE_NAMES, *FAMILY_NAMES):
                for spelling in spellings:
                    if spelling in latin and len(spellings) > 1:
                        latin = latin.replace(spelling, self.rng.choice(spellings), 1)
                        break
            persons.append(SyntheticPerson(
                person.name_ar, latin, person.sex, person.relationship_to_head, person.harm,
                person.incident_id, person.date_of_birth, person.approximate_age,
                person.age_as_of, person.injury_severity, person.has_disability,
                person.is_payee))
        return Household(persons, original.family, original.incidents)


class NameColumns:
    """person_name_columns for generated names, memoised per script.

    The Arabic columns depend on the Arabic name only and the Latin ones on the Latin
    name only (the whole-name key comes from the Arabic name when there is one, and every
    generated person has one), so each script is memoised on its own: a few ten thousand
    distinct Arabic names cover millions of persons. The first persons are computed both
    ways and compared; on any difference the memo is dropped for the plain function.
    """

    ARABIC = ("name_ar_norm", "name_key_ar", "full_name_key")
    LATIN = ("name_latin_norm", "name_key_latin")
    CHECKED = 2000
    LATIN_MEMO_SIZE = 500_000

    def __init__(self) -> None:
        self.arabic: dict[str, tuple] = {}
        self.latin: dict[str, tuple] = {}
        self.calls = 0
        self.memoised = True

    def __call__(self, name_ar: str, name_latin: str) -> tuple:
        """(name_ar_norm, name_latin_norm, name_key_ar, name_key_latin, full_name_key)."""
        self.calls += 1
        if not self.memoised or not name_ar:
            return self._plain(name_ar, name_latin)
        arabic = self.arabic.get(name_ar)
        if arabic is None:
            columns = person_name_columns(name_ar, None)
            arabic = self.arabic[name_ar] = tuple(columns[key] for key in self.ARABIC)
        latin = self.latin.get(name_latin)
        if latin is None:
            if len(self.latin) >= self.LATIN_MEMO_SIZE:
                self.latin.clear()
            columns = person_name_columns(None, name_latin)
            latin = self.latin[name_latin] = tuple(columns[key] for key in self.LATIN)
        result = (arabic[0], latin[0], arabic[1], latin[1], arabic[2])
        if self.calls <= self.CHECKED and result != self._plain(name_ar, name_latin):
            self.memoised = False
            return self._plain(name_ar, name_latin)
        return result

    @staticmethod
    def _plain(name_ar: str | None, name_latin: str | None) -> tuple:
        columns = person_name_columns(name_ar, name_latin)
        return (columns["name_ar_norm"], columns["name_latin_norm"], columns["name_key_ar"],
                columns["name_key_latin"], columns["full_name_key"])


# -- the lifecycle paths ------------------------------------------------------------------

# The intake's own transitions. Later stages need their domain's records too (an
# eligibility review round, a decision, ...), which this generator does not make.
GENERATED_ACTIONS = frozenset({"register", "withdraw"})


@dataclass(frozen=True)
class Step:
    from_stage: CaseStage
    action: str
    to_stage: CaseStage
    effects: tuple[str, ...]


def stage_paths() -> dict[CaseStage, list[Step]]:
    """For each stage the lifecycle table reaches from intake by the generated actions:
    the shortest path of transitions to it."""
    paths: dict[CaseStage, list[Step]] = {CaseStage.intake: []}
    frontier = [CaseStage.intake]
    while frontier:
        following = []
        for stage in frontier:
            for (from_stage, action), transition in sorted(CASE_TRANSITIONS.items()):
                target = CaseStage(transition.to)
                if from_stage == stage and str(action) in GENERATED_ACTIONS \
                        and target not in paths:
                    effects = tuple(effect.__name__ for effect in transition.effects)
                    paths[target] = [*paths[stage], Step(stage, str(action), target, effects)]
                    following.append(target)
        frontier = following
    return paths


def due_date(path: list[Step], moments: list[datetime]) -> date | None:
    """The due date the path's deadline effects leave (intake's own deadline at creation)."""
    due = moments[0].date() + timedelta(days=deadline_days("intake_completion"))
    for step, moment in zip(path, moments[1:], strict=True):
        for effect in step.effects:
            if effect.startswith(DEADLINE_EFFECT):
                due = moment.date() + timedelta(days=deadline_days(effect[len(DEADLINE_EFFECT):]))
            elif effect == "clear_deadline":
                due = None
    return due


# -- generation ---------------------------------------------------------------------------

class CaseGenerator:
    def __init__(self, connection: Connection, offices: list[OfficeInfo],
                 incidents: list[IncidentInfo], rng: random.Random, total: int,
                 first_case_day: date = FIRST_CASE_DAY):
        self.writer = Writer(connection)
        self.connection = connection
        self.offices = offices
        self.incidents = incidents
        self.rng = rng
        self.households = HouseholdMaker(rng)
        self.name_columns = NameColumns()
        self.paths = stage_paths()
        self.stages = list(self.paths)
        self.stage_weights = [STAGE_WEIGHTS.get(stage, OTHER_STAGE_WEIGHT) for stage in self.stages]
        self.now = utcnow()
        self.today = self.now.date()
        start = datetime.combine(first_case_day, datetime.min.time(), tzinfo=UTC)
        self.start = min(start, self.now - timedelta(days=1))
        self.step = (self.now - self.start) / max(total, 1)
        self.index = 0
        self.consent_version = DEFAULT_CONSENT_TEXT_VERSIONS[0]
        self.languages = _weighted(LANGUAGES)
        self.channels = _weighted(CHANNELS)
        self.loss_kinds = _weighted(LOSS_KINDS)
        self.currencies = _weighted(CURRENCIES)

    def _choice(self, weighted: tuple[list[Any], list[int]]) -> Any:
        return self.rng.choices(weighted[0], weighted[1])[0]

    def _allocate_references(self, wanted: Counter) -> dict[tuple[int, int], int]:
        """Lock each (office, year) counter, take a block of numbers; returns the first of each."""
        counters = ReferenceCounter.__table__
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[self.writer.dialect]
        first = {}
        for (office_id, year), count in sorted(wanted.items()):
            self.connection.execute(
                insert(counters).values(office_id=office_id, year=year, last_number=0)
                .on_conflict_do_nothing(index_elements=["office_id", "year"]))
            this = (counters.c.office_id == office_id) & (counters.c.year == year)
            last = self.connection.execute(
                select(counters.c.last_number).where(this).with_for_update()).scalar_one()
            self.connection.execute(counters.update().where(this)
                                    .values(last_number=last + count))
            first[(office_id, year)] = last + 1
        return first

    def batch(self, size: int, summary: Summary) -> None:
        """Generate and write `size` cases in the connection's current transaction."""
        rng, writer = self.rng, self.writer
        plans = []
        wanted: Counter = Counter()
        for _ in range(size):
            created = self.start + self.step * self.index + timedelta(seconds=rng.randint(0, 59))
            self.index += 1
            office = rng.choice(self.offices)
            first = rng.choice(self.incidents)
            incidents = [first]
            if rng.random() < 0.1:
                second = rng.choice(self.incidents)
                if second.id != first.id:
                    incidents.append(second)
            household = self.households.make(incidents, created.date())
            incidents = household.incidents
            stage = rng.choices(self.stages, self.stage_weights)[0]
            plans.append((created, office, incidents, household, stage))
            wanted[(office.id, created.year)] += 1
        first_numbers = self._allocate_references(wanted)
        case_ids = writer.reserve_ids("cases", size)
        person_ids = iter(writer.reserve_ids(
            "persons", sum(len(plan[3].persons) for plan in plans)))
        cases, persons, links, losses, transitions = [], [], [], [], []
        loss_plans, transition_plans = [], []
        for case_id, (created, office, incidents, household, stage) in zip(case_ids, plans,
                                                                            strict=True):
            number = first_numbers[(office.id, created.year)]
            first_numbers[(office.id, created.year)] += 1
            reference = format_reference(office.code, created.year, number)
            summary.references[(office.code, created.year)] += 1
            path = self.paths[stage]
            assigned = rng.choice(office.caseworkers) if office.caseworkers and (
                path or rng.random() < 0.85) else None
            moments = [created]
            for _step in path:
                moments.append(min(moments[-1] + timedelta(days=rng.randint(1, 60),
                                                           minutes=rng.randint(0, 600)),
                                   self.now))
            registered_at = next((moment for step, moment in zip(path, moments[1:], strict=True)
                                  if "mark_registered" in step.effects), None)
            changed = moments[-1]
            due_on = due_date(path, moments)
            consent = bool(path) or rng.random() < 0.5
            flags = derive_flags(household.persons,
                                 {incident.id: incident.occurred_on for incident in incidents},
                                 self.today)
            channel = self._choice(self.channels)
            neighbourhood = incidents[0].neighbourhood
            created_ts = writer.timestamp(created)
            cases.append((
                case_id, reference, office.id, stage.value, writer.timestamp(changed),
                writer.day(due_on), writer.timestamp(registered_at) if registered_at else None,
                assigned, int(flags), 0, int(derive_priority(flags)),
                f"+963 9{rng.randint(30, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                f"family{case_id}@example.org" if channel == "email" else None,
                f"{neighbourhood}, street {rng.randint(1, 80)}, house {rng.randint(1, 200)}",
                self._choice(self.languages), channel,
                writer.day(created.date()) if consent else None,
                assigned if consent else None, self.consent_version if consent else None,
                created_ts, assigned, writer.timestamp(changed), assigned, 1,
            ))
            links.extend((case_id, incident.id) for incident in incidents)
            for person in household.persons:
                persons.append((
                    next(person_ids), case_id, person.incident_id, person.name_ar,
                    person.name_latin, *self.name_columns(person.name_ar, person.name_latin),
                    person.sex.value, writer.day(person.date_of_birth), person.approximate_age,
                    writer.day(person.age_as_of), person.birth_year,
                    person.relationship_to_head.value, person.harm.value, person.injury_severity,
                    person.has_disability,
                    "Permanent impairment from the strike" if person.has_disability else None,
                    person.is_payee, created_ts, created_ts,
                ))
            for _ in range(rng.choice((0, 0, 0, 1, 1, 1, 1, 1, 2, 2))):
                kind = self._choice(self.loss_kinds)
                currency = self._choice(self.currencies)
                value = None if currency is None else rng.randint(50, 5000) * (
                    10_000 if currency == "SYP" else 1000)
                loss_plans.append((case_id, incidents[0].id, kind, value, currency, created_ts))
            for step, moment in zip(path, moments[1:], strict=True):
                reason = "The family withdrew the claim." if step.to_stage == CaseStage.withdrawn \
                    else None
                transition_plans.append((case_id, step.from_stage.value, step.to_stage.value,
                                         step.action, assigned, writer.timestamp(moment), reason))
        loss_ids = writer.reserve_ids("losses", len(loss_plans))
        for loss_id, (case_id, incident_id, kind, value, currency, at) in zip(
                loss_ids, loss_plans, strict=True):
            losses.append((loss_id, case_id, incident_id, kind, None, value, currency, at, at))
        transition_ids = writer.reserve_ids("case_transitions", len(transition_plans))
        transitions = [(transition_id, *plan)
                       for transition_id, plan in zip(transition_ids, transition_plans,
                                                      strict=True)]
        for table, rows in (("cases", cases), ("case_incidents", links), ("persons", persons),
                            ("losses", losses), ("case_transitions", transitions)):
            writer.write(table, rows)
        summary.cases += len(cases)
        summary.persons += len(persons)
        summary.losses += len(losses)
        summary.transitions += len(transitions)


def _synthetic_caseworkers(office: Office, rng: random.Random) -> list[int]:
    """The office's active caseworkers, topped up with synthetic ones (created audited)."""
    ids = list(db.session.scalars(
        select(User.id).where(User.office_id == office.id, User.role == Role.caseworker,
                              User.active.is_(True)).order_by(User.id)))
    number = 0
    while len(ids) < CASEWORKERS_PER_OFFICE:
        number += 1
        email = f"caseworker{number}.{office.code.lower()}@{SYNTHETIC_DOMAIN}"
        if auth_operations.user_by_email(email) is not None:
            continue
        given, family = rng.choice(MALE_NAMES + FEMALE_NAMES), rng.choice(FAMILY_NAMES)
        password = "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=24))
        user = auth_operations.create_user(
            email, f"{given[1][0]} {family[1][0]}", Role.caseworker, office, password)
        ids.append(user.id)
    return ids


def _create_incidents(connection: Connection, count: int, rng: random.Random) -> list[IncidentInfo]:
    writer = Writer(connection)
    writer.lock()
    table = db.metadata.tables["incidents"]
    existing = connection.execute(
        select(func.count()).select_from(table)
        .where(table.c.reference.like(INCIDENT_PREFIX + "%"))).scalar_one()
    ids = writer.reserve_ids("incidents", count)
    party_ids = writer.reserve_ids("incident_parties", count)
    now = utcnow()
    span = (CAMPAIGN[1] - CAMPAIGN[0]).days
    weapons, credibility = _weighted(WEAPONS), _weighted(CREDIBILITY)
    rows, parties, assessments, infos = [], [], [], []
    for number, (incident_id, party_id) in enumerate(zip(ids, party_ids, strict=True),
                                                     start=existing + 1):
        occurred = CAMPAIGN[0] + timedelta(days=rng.randint(0, span))
        place, place_ar, latitude, longitude = rng.choice(NEIGHBOURHOODS)
        status = rng.choices(*credibility)[0]
        assessed = None if status == "pending" else occurred + timedelta(days=rng.randint(60, 400))
        weapon = rng.choices(*weapons)[0]
        rows.append((
            incident_id, f"{INCIDENT_PREFIX}{number:06d}", writer.day(occurred),
            writer.clock_time(rng.randint(0, 23), rng.choice((0, 15, 30, 45))),
            f"{place} ({place_ar})", "Raqqa",
            round(latitude + rng.uniform(-0.004, 0.004), 5),
            round(longitude + rng.uniform(-0.004, 0.004), 5),
            weapon, rng.choice(TARGETS), "Synthetic incident for benchmarks.",
            status, writer.day(assessed), writer.timestamp(now), writer.timestamp(now), 1,
        ))
        role = "artillery" if weapon in ("artillery", "mortar") else "strike"
        parties.append((party_id, incident_id, "Coalition (state unknown)", role))
        if assessed is not None:
            assessments.append((incident_id, status, writer.day(assessed)))
        infos.append(IncidentInfo(incident_id, occurred, place))
    assessment_ids = writer.reserve_ids("credibility_assessments", len(assessments))
    writer.write("incidents", rows)
    writer.write("incident_parties", parties)
    writer.write("credibility_assessments", [
        (assessment_id, incident_id, status, assessed,
         "Coalition monthly civilian casualty report", writer.timestamp(now))
        for assessment_id, (incident_id, status, assessed) in zip(assessment_ids, assessments,
                                                                  strict=True)])
    return infos


BULK_TABLES = ("cases", "case_incidents", "persons", "losses", "case_transitions")


class SQLiteBulkLoad:
    """On SQLite, load in one transaction without the work that makes row-by-row slow.

    PostgreSQL takes COPY batches in its stride; SQLite spends its time keeping a dozen
    secondary indexes and the full-text index in step, row by row, and rewriting their
    pages at every commit. So the whole load is ONE transaction that drops the tables'
    non-unique secondary indexes and the triggers that feed full-text tables, writes
    the rows, then recreates the indexes (a sort, far cheaper than a million random
    inserts) and rebuilds the full-text tables from their content. DDL is transactional
    in SQLite: if the load fails or is killed, everything is rolled back, indexes and
    triggers included. The price is that the database is locked for writing meanwhile.
    """

    def __init__(self, connection: Connection, tables: Sequence[str]):
        self.connection = connection
        self.tables = tables
        self.statements: list[str] = []
        self.fulltext: list[str] = []

    def suspend(self) -> None:
        run = self.connection.exec_driver_sql
        fulltext = [name for (name,) in run(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND lower(sql) LIKE 'create virtual table%using fts5%'")]
        marks = ", ".join("?" for _ in self.tables)
        objects = run(
            f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "  # noqa: S608
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            tuple(self.tables)).all()
        for kind, name, sql in objects:
            if kind == "index" and not sql.upper().startswith("CREATE UNIQUE"):
                run(f'DROP INDEX "{name}"')
                self.statements.append(sql)
            elif kind == "trigger" and "AFTER INSERT" in sql.upper():
                fed = [table for table in fulltext if f"INSERT INTO {table}(" in sql]
                if fed:
                    run(f'DROP TRIGGER "{name}"')
                    self.statements.append(sql)
                    self.fulltext += [table for table in fed if table not in self.fulltext]

    def restore(self) -> None:
        for sql in self.statements:
            self.connection.exec_driver_sql(sql)
        for table in self.fulltext:
            # The name comes from sqlite_master, not from input.
            self.connection.exec_driver_sql(
                f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608


def _enlarge_sqlite_cache(connection: Connection) -> int | None:
    """Give SQLite a large page cache while loading (returns the size to restore).

    Each new row lands at a random place in a dozen indexes; with the default 2 MB
    cache almost every insert reads index pages back from the file.
    """
    if connection.dialect.name != "sqlite":
        return None
    # Ended at once, so that the load can begin its own transaction on this connection.
    with connection.begin():
        previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.exec_driver_sql(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
    return previous


def incident_count(cases: int) -> int:
    return max(10, min(2000, cases // 500))


def generate_cases(count: int, office_codes: Iterable[str], seed: int, batch_size: int = 5000,
                   progress: Callable[[Summary], None] | None = None) -> Summary:
    """Write `count` synthetic cases on a connection of their own (no audit events).

    PostgreSQL: one transaction per batch. SQLite: one transaction in all (see
    SQLiteBulkLoad).
    """
    check_columns()
    started = clock.perf_counter()
    rng = random.Random(seed)
    offices = []
    with unit_of_work():
        for code in office_codes:
            office = db.session.scalar(select(Office).where(Office.code == code.strip().upper()))
            if office is None:
                raise click.ClickException(
                    f"Unknown office {code}: create it first (e.g. flask --app wsgi demo seed).")
            offices.append(OfficeInfo(office.id, office.code, _synthetic_caseworkers(office, rng)))
    summary = Summary()
    with db.engine.begin() as connection:
        incidents = _create_incidents(connection, incident_count(count), rng)
    summary.incidents = len(incidents)
    with db.engine.connect() as connection:
        sqlite_cache = _enlarge_sqlite_cache(connection)
        generator = CaseGenerator(connection, offices, incidents, rng, count)

        def batches(commit_each: bool) -> None:
            remaining = count
            while remaining > 0:
                size = min(batch_size, remaining)
                if commit_each:
                    with connection.begin():
                        generator.batch(size, summary)
                else:
                    generator.batch(size, summary)
                remaining -= size
                summary.seconds = clock.perf_counter() - started
                if progress is not None:
                    progress(summary)

        if connection.dialect.name == "sqlite":
            with connection.begin():
                bulk = SQLiteBulkLoad(connection, BULK_TABLES)
                bulk.suspend()
                batches(commit_each=False)
                bulk.restore()
        else:
            # Each batch is committed with the counter rows it took: intakes running
            # meanwhile wait a moment, never the whole load.
            batches(commit_each=True)
        summary.duplicates = generator.households.duplicates
        if sqlite_cache is not None:
            connection.exec_driver_sql(f"PRAGMA cache_size={int(sqlite_cache)}")
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            # Planner statistics, sampled (a full ANALYZE of millions of rows takes minutes).
            connection.exec_driver_sql("PRAGMA analysis_limit=2000")
            connection.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect() as connection:
            # What autovacuum does after a bulk load, now rather than in a while (and on
            # servers where it is off): planner statistics, and the visibility map that
            # lets index-only scans (duplicate blocking) skip the rows. Outside a
            # transaction, as VACUUM must be.
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)")
    summary.seconds = clock.perf_counter() - started
    return summary


@click.command("generate")
@with_appcontext
@click.option("--cases", "count", type=click.IntRange(1), required=True,
              help="How many synthetic cases to add.")
@click.option("--offices", default="RQA,TBQ", show_default=True,
              help="Comma-separated codes of existing offices.")
@click.option("--seed", type=int, default=2017, show_default=True,
              help="Random seed: the same seed on the same database gives the same data.")
@click.option("--batch-size", type=click.IntRange(100, 100_000), default=5000, show_default=True)
def generate_command(count: int, offices: str, seed: int, batch_size: int) -> None:
    """Add N synthetic cases for benchmarks (no audit events; refused in production)."""
    if current_app.config["CASEWORK_ENV"] == "production":
        raise click.ClickException("Demo data is refused when CASEWORK_ENV=production.")

    def report(summary: Summary) -> None:
        rate = summary.cases / summary.seconds if summary.seconds else 0
        click.echo(f"  {summary.cases:>9,} cases, {summary.persons:,} persons "
                   f"({rate:,.0f} cases/s)", err=True)

    summary = generate_cases(count, [c for c in offices.split(",") if c.strip()], seed,
                             batch_size, report)
    click.echo(
        f"Generated {summary.cases:,} cases, {summary.persons:,} persons, "
        f"{summary.losses:,} losses, {summary.transitions:,} stage transitions and "
        f"{summary.incidents:,} incidents in {summary.seconds:,.1f} s.")
