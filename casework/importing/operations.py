"""Import incidents, cases, household members and losses from one CSV file.

The format is documented in docs/import-format.md. In short: one row per record, the
`record` column says which (incident, case, person, loss); a household is a block of
rows (its case row, then its person and loss rows); incidents come before the rows
that refer to them.

The whole file is validated first, in one streaming pass that keeps only what later
rows need (the incidents and case keys seen, the current household): every problem is
reported by row and column, and if there is any, nothing is imported. A valid file is
then read again and imported through the intake operations, in the caller's
transaction (references are allocated the normal way, and the audit trail records every
row), and each new case is checked for duplicate candidates. The caller commits.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select

from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.core.errors import DomainError
from casework.core.i18n import join_list
from casework.core.models import utcnow
from casework.duplicates.candidates import find_duplicate_candidates
from casework.extensions import db
from casework.intake import operations
from casework.intake.models.cases import Case, DeliveryChannel, Language
from casework.intake.models.incidents import Credibility, Incident, PartyRole, Weapon
from casework.intake.models.losses import LossKind
from casework.intake.models.persons import (
    VICTIM_HARMS,
    Harm,
    InjurySeverity,
    Relationship,
    Sex,
)
from casework.intake.validation import (
    MAX_AGE,
    CaseDetails,
    IncidentDetails,
    LossDetails,
    PersonDetails,
    assessment_problems,
    case_problems,
    external_reference_problems,
    incident_problems,
    loss_problems,
    party_problems,
    person_problems,
)

INCIDENT, CASE, PERSON, LOSS = "incident", "case", "person", "loss"
RECORD_KINDS = (INCIDENT, CASE, PERSON, LOSS)

# Guards against a file that is not a CSV of records (one huge line, one huge cell).
MAX_LINE_BYTES = 1024 * 1024
MAX_CELL_CHARS = 10_000
# How many problems a report lists; the rest are counted.
MAX_LISTED_PROBLEMS = 500
# How many imported cases a report lists by reference; the rest are counted.
MAX_LISTED_CASES = 1000


@dataclass(frozen=True)
class Column:
    name: str
    kinds: frozenset[str]
    required_for: frozenset[str] = frozenset()


def _column(name: str, kinds: str, required: str = "") -> Column:
    return Column(name, frozenset(kinds.split()), frozenset(required.split()))


# Every column the format knows, in the order of the documentation and the template.
COLUMNS = (
    _column("record", "incident case person loss", "incident case person loss"),
    _column("incident_reference", "incident case person loss", "incident case"),
    _column("occurred_on", "incident", "incident"),
    _column("occurred_time", "incident"),
    _column("neighbourhood", "incident"),
    _column("city", "incident", "incident"),
    _column("latitude", "incident"),
    _column("longitude", "incident"),
    _column("weapon", "incident", "incident"),
    _column("weapon_detail", "incident"),
    _column("stated_target", "incident"),
    _column("party_name", "incident"),
    _column("party_role", "incident"),
    _column("credibility", "incident"),
    _column("credibility_on", "incident"),
    _column("credibility_source", "incident"),
    _column("external_source", "incident"),
    _column("external_id", "incident"),
    _column("external_url", "incident"),
    _column("description", "incident loss"),
    _column("case_key", "case person loss", "case person loss"),
    _column("office", "case", "case"),
    _column("assigned_to", "case"),
    _column("preferred_language", "case", "case"),
    _column("delivery_channel", "case", "case"),
    _column("contact_phone", "case"),
    _column("contact_email", "case"),
    _column("contact_notes", "case"),
    _column("current_address", "case"),
    _column("consent_given_on", "case"),
    _column("consent_text_version", "case"),
    _column("name_ar", "person"),
    _column("name_latin", "person"),
    _column("sex", "person", "person"),
    _column("date_of_birth", "person"),
    _column("approximate_age", "person"),
    _column("relationship", "person", "person"),
    _column("harm", "person", "person"),
    _column("injury_severity", "person"),
    _column("disability", "person"),
    _column("disability_description", "person"),
    _column("payee", "person"),
    _column("loss_kind", "loss", "loss"),
    _column("estimated_value_minor", "loss"),
    _column("currency", "loss"),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}

# Field names of the intake validation rules -> the CSV column they concern, per record kind.
FIELD_COLUMNS = {
    INCIDENT: {"reference": "incident_reference", "name": "party_name", "role": "party_role",
               "status": "credibility", "assessed_on": "credibility_on",
               "identifier": "external_id", "url": "external_url"},
    CASE: {"incident_ids": "incident_reference"},
    PERSON: {"relationship_to_head": "relationship", "has_disability": "disability",
             "is_payee": "payee", "incident_id": "incident_reference"},
    LOSS: {"kind": "loss_kind", "estimated_value": "estimated_value_minor",
           "incident_id": "incident_reference"},
}

# Columns checked together: when one of them cannot be read, the rules' complaints about the
# other ("give a date of birth or an age", "a value with its currency") are follow-on noise.
RELATED_COLUMNS = {
    "date_of_birth": {"approximate_age"},
    "approximate_age": {"date_of_birth"},
    "estimated_value_minor": {"currency"},
    "currency": {"estimated_value_minor"},
    "latitude": {"longitude"},
    "longitude": {"latitude"},
}

YES = frozenset({"yes", "y", "true", "1", "نعم"})
NO = frozenset({"no", "n", "false", "0", "لا", ""})
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_INTEGER = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]{1,3}(\.[0-9]+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Arabic-Indic and Eastern Arabic-Indic digits, as typed on Arabic keyboards.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


# -- the report ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    """A problem at a row (1 is the header row, as in a spreadsheet) and column."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = _("row %(row)d", row=self.row) if self.row else _("file")
        if self.column:
            where += ", " + _("column %(column)s", column=self.column)
        return f"{where}: {self.message}"


@dataclass
class ImportedCase:
    case_key: str
    reference: str
    case_id: int
    duplicate_candidates: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    dry_run: bool = False
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0
    incidents: int = 0
    cases: int = 0
    persons: int = 0
    losses: int = 0
    imported: bool = False
    imported_cases: list[ImportedCase] = field(default_factory=list)
    cases_with_duplicates: int = 0

    @property
    def valid(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, row: int, column: str | None, message: Any) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(ImportProblem(row, column, str(message)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "problems": [[p.row, p.column, p.message] for p in self.problems],
            "problem_count": self.problem_count,
            "rows": self.rows,
            "incidents": self.incidents,
            "cases": self.cases,
            "persons": self.persons,
            "losses": self.losses,
            "imported": self.imported,
            "imported_cases": [[c.case_key, c.reference, c.case_id, c.duplicate_candidates]
                               for c in self.imported_cases],
            "cases_with_duplicates": self.cases_with_duplicates,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        report = cls(**{key: value for key, value in data.items()
                        if key not in ("problems", "imported_cases")})
        report.problems = [ImportProblem(*item) for item in data.get("problems", [])]
        report.imported_cases = [ImportedCase(*item) for item in data.get("imported_cases", [])]
        return report


# -- reading the file ---------------------------------------------------------------------

class FileUnreadable(Exception):
    """The file cannot be read as CSV text at all; `problem` says where and why."""

    def __init__(self, problem: ImportProblem):
        super().__init__(problem.message)
        self.problem = problem


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, checking UTF-8 (a BOM is allowed) line by line; a UTF-16
    file and a binary one are named as such."""
    offset, line_number = 0, 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line_number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise FileUnreadable(ImportProblem(0, None, _(
                "Line %(line)d is longer than %(size)d bytes: this is not a CSV file of records.",
                line=line_number, size=MAX_LINE_BYTES)))
        if line_number == 1 and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileUnreadable(ImportProblem(1, None, _(
                "The file is saved as UTF-16 (“Unicode text”), not UTF-8. In the spreadsheet "
                "choose “Save as: CSV UTF-8” and import that file.")))
        if b"\x00" in raw:
            # Valid UTF-8, but never in a CSV text: UTF-16 without its mark, or a binary file.
            raise FileUnreadable(ImportProblem(line_number, None, _(
                "Line %(line)d contains null bytes: this is not a CSV text file (it may be a "
                "spreadsheet file such as .xlsx, or text saved as UTF-16). In the spreadsheet "
                "choose “Save as: CSV UTF-8” and import that file.", line=line_number)))
        start = 0
        if line_number == 1 and raw.startswith(codecs.BOM_UTF8):
            start = len(codecs.BOM_UTF8)
        try:
            text = raw[start:].decode("utf-8")
        except UnicodeDecodeError as error:
            position = offset + start + error.start
            raise FileUnreadable(ImportProblem(line_number, None, _(
                "The file is not UTF-8 text: the byte 0x%(byte)02X at byte position %(position)d "
                "(line %(line)d) is not valid UTF-8. It was probably saved in another encoding, "
                "such as Windows-1256 (Arabic Windows); in the spreadsheet choose "
                "“Save as: CSV UTF-8” and import that file.",
                byte=raw[start + error.start], position=position, line=line_number))) from None
        offset += len(raw)
        yield text


def _normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def read_records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: trimmed value}) for every non-empty row after the header.

    Raises FileUnreadable for a file that is not UTF-8 CSV, has no header, or an
    unknown or repeated column (nothing after such a problem could be trusted).
    """
    reader = csv.reader(_text_lines(stream), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise FileUnreadable(ImportProblem(1, None, _(
                "The file is empty: the first row must name the columns (see the import format).")))
        names = [_normalise_header(cell) for cell in header]
        unknown = [name for name in names if name and name not in COLUMNS_BY_NAME]
        if unknown:
            raise FileUnreadable(ImportProblem(1, unknown[0], _(
                "Unknown column “%(name)s”. The columns are: %(columns)s.",
                name=unknown[0], columns=join_list(COLUMNS_BY_NAME))))
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            raise FileUnreadable(ImportProblem(1, repeated[0], _(
                "Column “%(name)s” appears more than once in the header.", name=repeated[0])))
        if "record" not in names:
            raise FileUnreadable(ImportProblem(1, "record", _(
                "The header has no “record” column: every row says whether it is an incident, "
                "case, person or loss.")))
        row_number = 1
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names):]):
                raise FileUnreadable(ImportProblem(row_number, None, _(
                    "This row has %(count)d cells but the header names %(columns)d columns.",
                    count=len(cells), columns=len(names))))
            values: dict[str, str] = {}
            for name, cell in zip(names, cells, strict=False):
                if not name:
                    if cell.strip():
                        raise FileUnreadable(ImportProblem(row_number, None, _(
                            "A value stands in a column with no name in the header.")))
                    continue
                if len(cell) > MAX_CELL_CHARS:
                    raise FileUnreadable(ImportProblem(row_number, name, _(
                        "This cell has more than %(size)d characters.", size=MAX_CELL_CHARS)))
                values[name] = cell.strip()
            yield row_number, values
    except csv.Error as error:
        raise FileUnreadable(ImportProblem(reader.line_num, None, _(
            "The file is not valid CSV near line %(line)d (%(error)s). Check for a quote (\") "
            "that is opened and never closed.", line=reader.line_num, error=error))) from error


# -- values -------------------------------------------------------------------------------

class CellError(ValueError):
    """A cell's value cannot be read; the message says what is expected."""


def _date(value: str) -> date | None:
    if not value:
        return None
    match = _DATE.match(value.translate(_DIGITS))
    if not match:
        raise CellError(_("Write dates as YYYY-MM-DD, e.g. 2017-06-28 (not “%(value)s”).",
                          value=value))
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as error:
        raise CellError(_("%(value)s is not a date in the calendar.", value=value)) from error


def _time(value: str) -> time | None:
    if not value:
        return None
    match = _TIME.match(value.translate(_DIGITS))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise CellError(_("Write times as HH:MM on the 24-hour clock, e.g. 14:30."))
    return time(int(match.group(1)), int(match.group(2)))


def _integer(value: str, maximum: int | None = None) -> int | None:
    if not value:
        return None
    digits = value.translate(_DIGITS)
    if not _INTEGER.match(digits):
        raise CellError(_("Write a whole number of digits only, without signs, spaces or "
                          "separators (not “%(value)s”).", value=value))
    number = int(digits)
    if maximum is not None and number > maximum:
        raise CellError(_("%(value)s is more than %(max)d.", value=value, max=maximum))
    return number


def _age(value: str) -> int | None:
    number = _integer(value)
    if number is not None and number > MAX_AGE:
        raise CellError(_("An age is between 0 and %(max)d years (not %(value)s).",
                          max=MAX_AGE, value=value))
    return number


def _coordinate(value: str) -> float | None:
    if not value:
        return None
    if not _DECIMAL.match(value.translate(_DIGITS)):
        raise CellError(_("Write a coordinate in decimal degrees, e.g. 35.9528."))
    return float(value.translate(_DIGITS))


def _yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise CellError(_("Write yes or no."))


def _choice(enum_class: type) -> Callable[[str], Any]:
    def read(value: str) -> Any:
        if not value:
            return None
        try:
            return enum_class(value.lower())
        except ValueError as error:
            raise CellError(_("Unknown value “%(value)s”; use one of: %(values)s.",
                              value=value, values=join_list(e.value for e in enum_class))) from error

    return read


def _currency(value: str) -> str | None:
    if not value:
        return None
    if not _CURRENCY.match(value):
        raise CellError(_("A currency is a three-letter ISO 4217 code in capitals, e.g. USD."))
    return value


def _references(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(";") if part.strip()]


def _text(value: str) -> str | None:
    # Stored exactly as given: a cell such as "=SUM(A1)" is text here, never a formula.
    return value or None


# -- the parsed rows ----------------------------------------------------------------------

@dataclass
class IncidentRow:
    row: int
    details: IncidentDetails
    party: tuple[str, PartyRole] | None
    assessment: tuple[Credibility, date, str] | None
    external: tuple[str, str | None, str | None] | None


@dataclass
class CaseRow:
    row: int
    key: str
    office_code: str
    incident_references: list[str]
    assigned_to: str | None
    details: CaseDetails


@dataclass
class PersonRow:
    row: int
    key: str
    incident_reference: str | None
    details: PersonDetails


@dataclass
class LossRow:
    row: int
    key: str
    incident_reference: str | None
    details: LossDetails


class RowReader:
    """Reads one row's cells into typed values, collecting a problem per bad cell."""

    def __init__(self, row: int, values: dict[str, str], report: ImportReport):
        self.row, self.values, self.report = row, values, report
        self.ok = True
        # Columns already reported: the domain rules' follow-on complaints about them are noise.
        self.bad_columns: set[str | None] = set()

    def get(self, column: str, read: Callable[[str], Any] = _text) -> Any:
        try:
            return read(self.values.get(column, ""))
        except CellError as error:
            self.problem(column, str(error))
            return None

    def problem(self, column: str | None, message: Any) -> None:
        self.ok = False
        self.bad_columns.add(column)
        self.report.add_problem(self.row, column, message)

    def domain_problems(self, kind: str, problems: list[DomainError],
                        default_column: str | None = None,
                        columns: dict[str, str] | None = None) -> None:
        """Report the intake rules' problems under the CSV column each one concerns."""
        names = {**FIELD_COLUMNS[kind], **(columns or {})}
        for problem in problems:
            column = names.get(problem.field or "", problem.field) or default_column
            if column not in COLUMNS_BY_NAME:
                column = default_column
            if column not in self.bad_columns and not (RELATED_COLUMNS.get(column, set())
                                                       & self.bad_columns):
                self.problem(column, problem.message)


def _parse_incident(reader: RowReader, today: date) -> IncidentRow:
    details = IncidentDetails(
        reference=(reader.get("incident_reference") or "").upper(),
        occurred_on=reader.get("occurred_on", _date),
        occurred_time=reader.get("occurred_time", _time),
        neighbourhood=reader.get("neighbourhood"),
        city=reader.get("city") or "",
        latitude=reader.get("latitude", _coordinate),
        longitude=reader.get("longitude", _coordinate),
        weapon=reader.get("weapon", _choice(Weapon)) or Weapon.unknown,
        weapon_detail=reader.get("weapon_detail"),
        stated_target=reader.get("stated_target"),
        description=reader.get("description"),
    )
    if ";" in details.reference:
        reader.problem("incident_reference", _("An incident row defines one incident."))
    reader.domain_problems(INCIDENT, incident_problems(details, today))

    party = None
    name, role = reader.get("party_name"), reader.get("party_role", _choice(PartyRole))
    if name or reader.values.get("party_role"):
        role = role or PartyRole.unknown
        reader.domain_problems(INCIDENT, party_problems(name or "", role), "party_name")
        party = (name or "", role)

    assessment = None
    status = reader.get("credibility", _choice(Credibility))
    assessed_on, source = reader.get("credibility_on", _date), reader.get("credibility_source")
    if reader.values.get("credibility") or assessed_on is not None or source:
        reader.domain_problems(
            INCIDENT,
            assessment_problems(status or "", assessed_on, source or "",
                                details.occurred_on or date.min, today),
            "credibility", {"source": "credibility_source"},
        )
        assessment = (status, assessed_on, source or "")

    external = None
    ext_source, ext_id, ext_url = (reader.get("external_source"), reader.get("external_id"),
                                   reader.get("external_url"))
    if ext_source or ext_id or ext_url:
        reader.domain_problems(
            INCIDENT, external_reference_problems(ext_source or "", ext_id, ext_url),
            "external_source", {"source": "external_source"},
        )
        external = (ext_source or "", ext_id, ext_url)
    return IncidentRow(reader.row, details, party, assessment, external)


def _parse_case(reader: RowReader, today: date) -> CaseRow:
    details = CaseDetails(
        preferred_language=reader.get("preferred_language", _choice(Language)) or "",
        delivery_channel=reader.get("delivery_channel", _choice(DeliveryChannel)) or "",
        contact_phone=reader.get("contact_phone"),
        contact_email=reader.get("contact_email"),
        contact_notes=reader.get("contact_notes"),
        current_address=reader.get("current_address"),
        consent_given_on=reader.get("consent_given_on", _date),
        consent_text_version=reader.get("consent_text_version"),
    )
    reader.domain_problems(CASE, case_problems(details, today))
    return CaseRow(
        row=reader.row,
        key=reader.values.get("case_key", ""),
        office_code=reader.values.get("office", "").upper(),
        incident_references=_references(reader.values.get("incident_reference", "")),
        assigned_to=(reader.get("assigned_to") or "").lower() or None,
        details=details,
    )


def _parse_person(reader: RowReader) -> PersonRow:
    details = PersonDetails(
        sex=reader.get("sex", _choice(Sex)) or "",
        relationship_to_head=reader.get("relationship", _choice(Relationship)) or "",
        harm=reader.get("harm", _choice(Harm)) or "",
        name_ar=reader.get("name_ar"),
        name_latin=reader.get("name_latin"),
        date_of_birth=reader.get("date_of_birth", _date),
        approximate_age=reader.get("approximate_age", _age),
        injury_severity=reader.get("injury_severity", _choice(InjurySeverity)),
        has_disability=bool(reader.get("disability", _yes_no)),
        disability_description=reader.get("disability_description"),
        is_payee=bool(reader.get("payee", _yes_no)),
    )
    references = _references(reader.values.get("incident_reference", ""))
    if len(references) > 1:
        reader.problem("incident_reference", _("A person was harmed in one incident: give one "
                                               "reference."))
    return PersonRow(reader.row, reader.values.get("case_key", ""),
                     references[0] if references else None, details)


def _parse_loss(reader: RowReader) -> LossRow:
    details = LossDetails(
        kind=reader.get("loss_kind", _choice(LossKind)) or "",
        description=reader.get("description"),
        estimated_value_minor=reader.get("estimated_value_minor", _integer),
        currency=reader.get("currency", _currency),
    )
    reader.domain_problems(LOSS, loss_problems(details), "estimated_value_minor")
    references = _references(reader.values.get("incident_reference", ""))
    if len(references) > 1:
        reader.problem("incident_reference", _("A loss belongs to one incident: give one "
                                               "reference."))
    return LossRow(reader.row, reader.values.get("case_key", ""),
                   references[0] if references else None, details)


# -- validation state across rows ----------------------------------------------------------

@dataclass
class KnownIncident:
    id: int | None  # None while only defined in the file
    occurred_on: date | None
    row: int | None = None  # the row that defines it in the file


@dataclass
class Household:
    """The rows of one case being read: its case row, then its persons and losses."""

    case: CaseRow
    incidents: dict[str, KnownIncident]
    persons: list[PersonRow] = field(default_factory=list)
    losses: list[LossRow] = field(default_factory=list)
    ok: bool = True


class FileChecker:
    """Checks rows one by one, keeping only what later rows need."""

    def __init__(self, report: ImportReport, office_scope: Office | None):
        self.report = report
        self.office_scope = office_scope
        self.today = utcnow().date()
        self.offices = {office.code: office for office in db.session.scalars(select(Office))}
        self.incidents: dict[str, KnownIncident | None] = {}
        self.case_rows: dict[str, int] = {}
        self.users: dict[str, User | None] = {}
        self.missing_columns: set[str] = set()
        self.household: Household | None = None

    # Lookups (cached: each distinct value is looked up once).

    def incident(self, reference: str) -> KnownIncident | None:
        if reference not in self.incidents:
            found = db.session.execute(
                select(Incident.id, Incident.occurred_on).where(Incident.reference == reference)
            ).first()
            self.incidents[reference] = KnownIncident(found.id, found.occurred_on) if found else None
        return self.incidents[reference]

    def user(self, email: str) -> User | None:
        if email not in self.users:
            self.users[email] = db.session.scalar(select(User).where(User.email == email))
        return self.users[email]

    # Rows.

    def check(self, row: int, values: dict[str, str]) -> IncidentRow | CaseRow | PersonRow | LossRow | None:
        """Check one row; returns it parsed (whether or not it had problems)."""
        self.report.rows += 1
        reader = RowReader(row, values, self.report)
        kind = values.get("record", "").lower()
        if kind not in RECORD_KINDS:
            reader.problem("record", _("Write one of: %(kinds)s.", kinds=join_list(RECORD_KINDS)))
            return None
        self._check_columns(reader, kind)
        if kind == INCIDENT:
            return self._incident(reader)
        if kind == CASE:
            return self._case(reader)
        if kind == PERSON:
            return self._person(reader)
        return self._loss(reader)

    def _check_columns(self, reader: RowReader, kind: str) -> None:
        for column in COLUMNS:
            if kind in column.required_for and column.name not in reader.values:
                if column.name not in self.missing_columns:
                    self.missing_columns.add(column.name)
                    self.report.add_problem(1, column.name, _(
                        "The column is missing from the header; %(kind)s rows need it (first on "
                        "row %(row)d).", kind=kind, row=reader.row))
                reader.ok = False
                reader.bad_columns.add(column.name)
            elif kind in column.required_for and not reader.values.get(column.name):
                reader.problem(column.name, _("This column is required on %(kind)s rows.",
                                              kind=kind))
        for name, value in reader.values.items():
            if value and kind not in COLUMNS_BY_NAME[name].kinds:
                reader.problem(name, _("This column is not used on %(kind)s rows; leave it "
                                       "empty (or check that the row's cells are not shifted).",
                                       kind=kind))

    def _incident(self, reader: RowReader) -> IncidentRow:
        parsed = _parse_incident(reader, self.today)
        reference = parsed.details.reference
        if reference:
            if reference in self.incidents and self.incidents[reference] is not None \
                    and self.incidents[reference].row is not None:
                reader.problem("incident_reference", _(
                    "Incident %(reference)s is already defined on row %(row)d.",
                    reference=reference, row=self.incidents[reference].row))
            elif self.incident(reference) is not None:
                reader.problem("incident_reference", _(
                    "Incident %(reference)s already exists; leave out its incident row and refer "
                    "to it from the case rows.", reference=reference))
            else:
                self.incidents[reference] = KnownIncident(None, parsed.details.occurred_on,
                                                          reader.row)
        if reader.ok:
            self.report.incidents += 1
        return parsed

    def _resolve(self, reader: RowReader, references: list[str]) -> dict[str, KnownIncident]:
        found = {}
        for reference in references:
            incident = self.incident(reference)
            if incident is None:
                reader.problem("incident_reference", _(
                    "Unknown incident %(reference)s: it is neither in Casework nor defined by an "
                    "incident row above this row.", reference=reference))
            else:
                found[reference] = incident
        return found

    def _case(self, reader: RowReader) -> CaseRow:
        self.finish_household()
        parsed = _parse_case(reader, self.today)
        if parsed.key:
            if parsed.key in self.case_rows:
                reader.problem("case_key", _("Case key %(key)s is already used on row %(row)d.",
                                             key=parsed.key, row=self.case_rows[parsed.key]))
            else:
                self.case_rows[parsed.key] = reader.row
        office = self.offices.get(parsed.office_code)
        if parsed.office_code and office is None:
            reader.problem("office", _("Unknown office %(code)s.", code=parsed.office_code))
        elif office is not None and self.office_scope is not None \
                and office.id != self.office_scope.id:
            reader.problem("office", _("You may import cases only into your own office "
                                       "(%(code)s).", code=self.office_scope.code))
        if len(parsed.incident_references) != len(set(parsed.incident_references)):
            reader.problem("incident_reference", _("An incident is listed twice."))
        incidents = self._resolve(reader, parsed.incident_references)
        if parsed.assigned_to:
            user = self.user(parsed.assigned_to)
            if user is None or not (user.role == Role.caseworker and user.active
                                    and office is not None and user.office_id == office.id):
                reader.problem("assigned_to", _(
                    "%(email)s is not an active caseworker of office %(office)s.",
                    email=parsed.assigned_to, office=parsed.office_code or "?"))
        self.household = Household(parsed, incidents, ok=reader.ok)
        return parsed

    def _household_for(self, reader: RowReader, key: str, kind: str) -> Household | None:
        household = self.household
        if household is not None and key and household.case.key == key:
            return household
        if key in self.case_rows:
            reader.problem("case_key", _(
                "The %(kind)s rows of a case must follow its case row directly (case %(key)s is "
                "on row %(row)d).", kind=kind, key=key, row=self.case_rows[key]))
        elif key:
            reader.problem("case_key", _("No case row with case key %(key)s comes before this "
                                         "row.", key=key))
        return None

    def _incident_of_item(self, reader: RowReader, household: Household | None,
                          reference: str | None) -> int | None:
        """Check a person's or loss's incident is one of the case's; return a stand-in id."""
        if reference is None or household is None:
            return None
        if reference not in household.incidents:
            reader.problem("incident_reference", _(
                "%(reference)s is not one of this case's incidents (%(incidents)s).",
                reference=reference,
                incidents=join_list(household.incidents) or _("none")))
            return None
        return list(household.incidents).index(reference) + 1

    def _person(self, reader: RowReader) -> PersonRow:
        parsed = _parse_person(reader)
        household = self._household_for(reader, parsed.key, PERSON)
        parsed.details.incident_id = self._incident_of_item(
            reader, household, parsed.incident_reference)
        if household is not None:
            harmed_on = self._harmed_on(household, parsed)
            reader.domain_problems(PERSON, person_problems(parsed.details, self.today, harmed_on),
                                   "name_ar")
            if parsed.details.harm in VICTIM_HARMS and parsed.incident_reference is None \
                    and len(household.incidents) > 1:
                reader.problem("incident_reference", _(
                    "This case has several incidents: say in which one this person was harmed."))
        if household is not None:
            household.persons.append(parsed)
            household.ok = household.ok and reader.ok
        if reader.ok:
            self.report.persons += 1
        return parsed

    @staticmethod
    def _harmed_on(household: Household, person: PersonRow) -> date | None:
        dates = {ref: known.occurred_on for ref, known in household.incidents.items()
                 if known.occurred_on is not None}
        if person.incident_reference is not None:
            return dates.get(person.incident_reference)
        return min(dates.values(), default=None)

    def _loss(self, reader: RowReader) -> LossRow:
        parsed = _parse_loss(reader)
        household = self._household_for(reader, parsed.key, LOSS)
        parsed.details.incident_id = self._incident_of_item(
            reader, household, parsed.incident_reference)
        if household is not None:
            household.losses.append(parsed)
            household.ok = household.ok and reader.ok
        if reader.ok:
            self.report.losses += 1
        return parsed

    def finish_household(self) -> None:
        """Checks that need all of a household's rows: one head of household."""
        household, self.household = self.household, None
        if household is None:
            return
        case = household.case
        heads = [p for p in household.persons if p.details.relationship_to_head == Relationship.head]
        if not household.persons:
            self.report.add_problem(case.row, "case_key", _(
                "Case %(key)s has no person rows: record at least its head of household.",
                key=case.key))
        elif not heads:
            self.report.add_problem(case.row, "case_key", _(
                "Case %(key)s has no head of household: one person row must have "
                "relationship “head”.", key=case.key))
        elif len(heads) > 1:
            self.report.add_problem(heads[1].row, "relationship", _(
                "Case %(key)s already has a head of household on row %(row)d.",
                key=case.key, row=heads[0].row))
        elif household.ok:
            self.report.cases += 1


def validate(stream: IO[bytes], office_scope: Office | None = None) -> ImportReport:
    """Check a whole file; nothing is written. `office_scope` limits cases to that office."""
    report = ImportReport(dry_run=True)
    checker = FileChecker(report, office_scope)
    try:
        for row, values in read_records(stream):
            checker.check(row, values)
        checker.finish_household()
    except FileUnreadable as unreadable:
        report.add_problem(unreadable.problem.row, unreadable.problem.column,
                           unreadable.problem.message)
    if report.rows == 0 and report.valid:
        report.add_problem(2, "record", _("The file has a header but no rows to import."))
    return report


# -- importing ----------------------------------------------------------------------------

class Importer:
    """Creates the records of a validated file through the intake operations."""

    def __init__(self, report: ImportReport, actor: User | None):
        self.report = report
        self.actor = actor
        self.today = utcnow().date()
        self.offices = {office.code: office for office in db.session.scalars(select(Office))}
        self.incident_ids: dict[str, int] = {}
        self.users: dict[str, User | None] = {}
        self.new_cases: list[tuple[str, int]] = []
        self.household: Household | None = None

    def incident_id(self, reference: str) -> int:
        if reference not in self.incident_ids:
            self.incident_ids[reference] = db.session.scalar(
                select(Incident.id).where(Incident.reference == reference))
        return self.incident_ids[reference]

    def add(self, row: int, values: dict[str, str]) -> None:
        kind = values["record"].lower()
        reader = RowReader(row, values, ImportReport())
        if kind == INCIDENT:
            self.create_incident(_parse_incident(reader, self.today))
        elif kind == CASE:
            self.finish_household()
            self.household = Household(_parse_case(reader, self.today), {})
        elif kind == PERSON:
            self.household.persons.append(_parse_person(reader))
        else:
            self.household.losses.append(_parse_loss(reader))

    def create_incident(self, parsed: IncidentRow) -> None:
        incident = operations.create_incident(parsed.details, self.actor)
        if parsed.party is not None:
            operations.add_party(incident, *parsed.party)
        if parsed.external is not None:
            operations.add_external_reference(incident, *parsed.external)
        if parsed.assessment is not None:
            status, assessed_on, source = parsed.assessment
            operations.record_assessment(incident, status, assessed_on, source, self.actor)
        self.incident_ids[incident.reference] = incident.id
        self.report.incidents += 1

    def assignee(self, email: str | None) -> User | None:
        if email is None:
            return None
        if email not in self.users:
            self.users[email] = db.session.scalar(select(User).where(User.email == email))
        return self.users[email]

    def finish_household(self) -> None:
        household, self.household = self.household, None
        if household is None:
            return
        case_row = household.case
        for item in [*household.persons, *household.losses]:
            reference = item.incident_reference
            item.details.incident_id = self.incident_id(reference) if reference else None
        head = next(p for p in household.persons
                    if p.details.relationship_to_head == Relationship.head)
        case = operations.create_case(
            self.offices[case_row.office_code], self.actor, case_row.details,
            [self.incident_id(reference) for reference in case_row.incident_references],
            assignee=self.assignee(case_row.assigned_to), head=head.details,
        )
        for person in household.persons:
            if person is not head:
                operations.add_person(case, person.details, self.actor, None)
        for loss in household.losses:
            operations.add_loss(case, loss.details, self.actor, None)
        self.report.cases += 1
        self.report.persons += len(household.persons)
        self.report.losses += len(household.losses)
        self.new_cases.append((case_row.key, case.id))
        # Keep memory flat on large files: the flushed rows need not stay in the session.
        db.session.expunge(case)


def import_file(path: Path | str, actor: User | None, *, office_scope: Office | None = None,
                dry_run: bool = False) -> ImportReport:
    """Validate the file and, if it is valid and not a dry run, import it (flushes only).

    Nothing is written when the report has problems, or on a dry run. Otherwise the
    caller commits when `report.imported`, and rolls back when not (a rule the
    validation did not foresee refused a row: the report names it).
    """
    with open(path, "rb") as stream:
        report = validate(stream, office_scope)
    report.dry_run = dry_run
    if not report.valid or dry_run:
        return report
    counts = ImportReport()
    importer = Importer(counts, actor)
    row = 0
    try:
        with open(path, "rb") as stream:
            for row, values in read_records(stream):
                importer.add(row, values)
            importer.finish_household()
    except DomainError as error:
        # Checked above, so this is a rule the validation misses: report it, import nothing.
        report.add_problem(row, error.field, error.message)
        return report
    report.incidents, report.cases = counts.incidents, counts.cases
    report.persons, report.losses = counts.persons, counts.losses
    report.imported = True
    _flag_duplicates(report, importer.new_cases)
    return report


def _flag_duplicates(report: ImportReport, new_cases: list[tuple[str, int]]) -> None:
    """Check every new case against all cases (the other new ones included).

    The candidates are listed in the report; the case pages show them with their
    scores and reasons for a supervisor to decide, as for any new case.
    """
    for key, case_id in new_cases:
        case = db.session.get(Case, case_id)
        found = find_duplicate_candidates(case)
        candidates = [candidate.reference for candidate in found]
        if candidates:
            report.cases_with_duplicates += 1
        if len(report.imported_cases) < MAX_LISTED_CASES:
            report.imported_cases.append(ImportedCase(key, case.reference, case.id, candidates))
        # Keep memory flat on large files.
        for loaded in {case, *(candidate.case for candidate in found)}:
            if loaded in db.session:
                db.session.expunge(loaded)


def format_report(report: ImportReport) -> str:
    """The report as plain text, for the command line."""
    lines = [str(problem) for problem in report.problems]
    if report.problem_count > len(report.problems):
        lines.append(_("… and %(num)d more.", num=report.problem_count - len(report.problems)))
    counts = dict(incidents=report.incidents, cases=report.cases, persons=report.persons,
                  losses=report.losses)
    if not report.valid:
        lines.append(_("%(num)d problem(s): nothing was imported.", num=report.problem_count))
    elif report.imported:
        for case in report.imported_cases:
            duplicates = join_list(case.duplicate_candidates)
            lines.append(f"{case.case_key} -> {case.reference}"
                         + (" " + _("(possible duplicate of %(cases)s)", cases=duplicates)
                            if duplicates else ""))
        lines.append(_("Imported %(incidents)d incidents, %(cases)d cases, %(persons)d persons "
                       "and %(losses)d losses.", **counts))
        if report.cases_with_duplicates:
            lines.append(_("%(num)d new case(s) have duplicate candidates to review.",
                            num=report.cases_with_duplicates))
    else:
        lines.append(_("The file is valid (dry run, nothing imported): %(incidents)d incidents, "
                       "%(cases)d cases, %(persons)d persons and %(losses)d losses.", **counts))
    return "\n".join(lines)
