"""The rules intake data must follow, as functions listing every problem found.

Operations raise the first problem; the CSV import can report them all, by row and
column (each InvalidInput names its field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.core.dates import date_text
from casework.core.errors import InvalidInput
from casework.core.money import MAX_MINOR_UNITS, MINOR_UNIT_DIGITS
from casework.core.text import single_line_text
from casework.intake.models.cases import DeliveryChannel, Language, VulnerabilityFlag
from casework.intake.models.incidents import Credibility, PartyRole, Weapon
from casework.intake.models.losses import LossKind
from casework.intake.models.persons import Harm, InjurySeverity, Relationship, Sex

MAX_AGE = 120
EARLIEST_INCIDENT_DATE = date(1990, 1, 1)
EARLIEST_CONSENT_DATE = date(2000, 1, 1)
DEFAULT_CONSENT_TEXT_VERSIONS = ("2026-01",)

INCIDENT_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9./-]{2,39}$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,24}$")
URL = re.compile(r"^https?://[^\s<>\"]{3,990}$")
# Arabic script blocks (Arabic, Supplement, Presentation Forms A and B).
ARABIC_LETTER = re.compile(r"[\u0620-\u064A\u066E-\u06D3\u06FA-\u06FF\u0750-\u077F"
                           r"\uFB50-\uFDFF\uFE70-\uFEFF]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
NAME_SYMBOLS = re.compile(r"[<>{}\[\]\\/|@#$%^*=+_~`\"0-9\u0660-\u0669]")


def consent_text_versions() -> tuple[str, ...]:
    return tuple(current_app.config.get("CONSENT_TEXT_VERSIONS") or DEFAULT_CONSENT_TEXT_VERSIONS)


def _enum_value(enum_class: type, value: Any, field_name: str, problems: list) -> Any:
    try:
        return enum_class(value)
    except ValueError:
        problems.append(InvalidInput(_l("Unknown value “%(value)s”.", value=value), field_name))
        return None


def _clean(value: str | None) -> str | None:
    # Checked as it will be stored: without bidirectional controls (casework.core.text).
    value = single_line_text(value or "").strip()
    return value or None


@dataclass
class IncidentDetails:
    reference: str
    occurred_on: date | None
    city: str
    weapon: Weapon | str = Weapon.unknown
    occurred_time: time | None = None
    neighbourhood: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    weapon_detail: str | None = None
    stated_target: str | None = None
    description: str | None = None


def incident_problems(details: IncidentDetails, today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    reference = (details.reference or "").strip().upper()
    if not INCIDENT_REFERENCE.match(reference):
        problems.append(InvalidInput(
            _l("An incident reference is 3 to 40 capital letters, digits, “-”, “/” or “.”, "
               "e.g. RQA-2017-06-28."), "reference"))
    if details.occurred_on is None:
        problems.append(InvalidInput(_l("Give the date of the incident."), "occurred_on"))
    elif details.occurred_on > today:
        problems.append(InvalidInput(_l("The incident date is in the future."), "occurred_on"))
    elif details.occurred_on < EARLIEST_INCIDENT_DATE:
        problems.append(InvalidInput(
            _l("The incident date is before %(date)s; check the year.",
               date=date_text(EARLIEST_INCIDENT_DATE)), "occurred_on"))
    if not _clean(details.city):
        problems.append(InvalidInput(_l("Give the city or town."), "city"))
    _enum_value(Weapon, details.weapon, "weapon", problems)
    if (details.latitude is None) != (details.longitude is None):
        problems.append(InvalidInput(_l("Give both latitude and longitude, or neither."),
                                     "latitude"))
    if details.latitude is not None and not -90 <= details.latitude <= 90:
        problems.append(InvalidInput(_l("Latitude is between -90 and 90."), "latitude"))
    if details.longitude is not None and not -180 <= details.longitude <= 180:
        problems.append(InvalidInput(_l("Longitude is between -180 and 180."), "longitude"))
    return problems


def party_problems(name: str, role: PartyRole | str) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    if not _clean(name):
        problems.append(InvalidInput(
            _l("Name the state or force, or write “Unknown”."), "name"))
    _enum_value(PartyRole, role, "role", problems)
    return problems


def external_reference_problems(source: str, identifier: str | None,
                                url: str | None) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    if not _clean(source):
        problems.append(InvalidInput(_l("Name the source, e.g. the NGO."), "source"))
    if not _clean(identifier) and not _clean(url):
        problems.append(InvalidInput(_l("Give the report's identifier, its link, or both."),
                                     "identifier"))
    if _clean(url) and not URL.match(url.strip()):
        problems.append(InvalidInput(_l("A link starts with https:// or http://."), "url"))
    return problems


def assessment_problems(status: Credibility | str, assessed_on: date | None, source: str,
                        incident_date: date, today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    _enum_value(Credibility, status, "status", problems)
    if assessed_on is None:
        problems.append(InvalidInput(_l("Give the date of the assessment."), "assessed_on"))
    elif assessed_on > today:
        problems.append(InvalidInput(_l("The assessment date is in the future."), "assessed_on"))
    elif assessed_on < incident_date:
        problems.append(InvalidInput(_l("The assessment cannot be older than the incident."),
                                     "assessed_on"))
    if not _clean(source):
        problems.append(InvalidInput(
            _l("Name the source, e.g. the monthly civilian casualty report of July 2018."),
            "source"))
    return problems


@dataclass
class CaseDetails:
    preferred_language: Language | str
    delivery_channel: DeliveryChannel | str
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_notes: str | None = None
    current_address: str | None = None
    consent_given_on: date | None = None
    consent_text_version: str | None = None
    asserted_vulnerability: VulnerabilityFlag = field(default_factory=lambda: VulnerabilityFlag(0))


def case_problems(details: CaseDetails, today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    _enum_value(Language, details.preferred_language, "preferred_language", problems)
    channel = _enum_value(DeliveryChannel, details.delivery_channel, "delivery_channel", problems)
    phone, email, address = (_clean(details.contact_phone), _clean(details.contact_email),
                             _clean(details.current_address))
    if phone and not PHONE.match(phone):
        problems.append(InvalidInput(
            _l("A phone number has 6 to 24 digits, spaces or dashes, with an optional "
               "leading +."), "contact_phone"))
    if email:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append(InvalidInput(_l("This email address is not valid."),
                                         "contact_email"))
    needs = {
        DeliveryChannel.email: (email, "contact_email",
                                _l("Letters by email need the family's email address.")),
        DeliveryChannel.messaging: (phone, "contact_phone",
                                    _l("Letters by messaging app need a phone number.")),
        DeliveryChannel.post: (address, "current_address",
                               _l("Letters by post need the current address.")),
    }
    if channel in needs and not needs[channel][0]:
        _value, field_name, message = needs[channel]
        problems.append(InvalidInput(message, field_name))
    version = _clean(details.consent_text_version)
    if details.consent_given_on is not None:
        if details.consent_given_on > today:
            problems.append(InvalidInput(_l("The consent date is in the future."),
                                         "consent_given_on"))
        elif details.consent_given_on < EARLIEST_CONSENT_DATE:
            problems.append(InvalidInput(_l("The consent date is implausibly old; check the "
                                            "year."), "consent_given_on"))
        if version is None:
            problems.append(InvalidInput(_l("Say which consent text was read to the family."),
                                         "consent_text_version"))
    elif version is not None:
        problems.append(InvalidInput(_l("Give the date the family gave their consent."),
                                     "consent_given_on"))
    if version is not None and version not in consent_text_versions():
        problems.append(InvalidInput(_l("Unknown consent text version %(version)s.",
                                        version=version), "consent_text_version"))
    try:
        VulnerabilityFlag(int(details.asserted_vulnerability))
    except ValueError:
        problems.append(InvalidInput(_l("Unknown vulnerability flag."), "asserted_vulnerability"))
    return problems


@dataclass
class PersonDetails:
    sex: Sex | str
    relationship_to_head: Relationship | str
    harm: Harm | str
    name_ar: str | None = None
    name_latin: str | None = None
    date_of_birth: date | None = None
    approximate_age: int | None = None
    incident_id: int | None = None
    injury_severity: InjurySeverity | str | None = None
    has_disability: bool = False
    disability_description: str | None = None
    is_payee: bool = False


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def person_problems(details: PersonDetails, today: date,
                    harmed_on: date | None = None) -> list[InvalidInput]:
    """`harmed_on` is the date of the incident the person was harmed in, when known."""
    problems: list[InvalidInput] = []
    name_ar, name_latin = _clean(details.name_ar), _clean(details.name_latin)
    if not name_ar and not name_latin:
        problems.append(InvalidInput(_l("Give the name in Arabic script, in Latin letters, or "
                                        "both."), "name_ar"))
    if name_ar and (not ARABIC_LETTER.search(name_ar) or LATIN_LETTER.search(name_ar)
                    or NAME_SYMBOLS.search(name_ar)):
        problems.append(InvalidInput(_l("Write this name in Arabic script only."), "name_ar"))
    if name_latin and (not LATIN_LETTER.search(name_latin) or ARABIC_LETTER.search(name_latin)
                       or NAME_SYMBOLS.search(name_latin)):
        problems.append(InvalidInput(_l("Write this name in Latin letters only."), "name_latin"))
    for value, name in ((name_ar, "name_ar"), (name_latin, "name_latin")):
        if value and len(value) > 200:
            problems.append(InvalidInput(_l("A name has 200 characters at most."), name))
    _enum_value(Sex, details.sex, "sex", problems)
    _enum_value(Relationship, details.relationship_to_head, "relationship_to_head", problems)
    harm = _enum_value(Harm, details.harm, "harm", problems)
    born, age = details.date_of_birth, details.approximate_age
    if born is None and age is None:
        problems.append(InvalidInput(_l("Give the date of birth or an approximate age."),
                                     "date_of_birth"))
    if born is not None:
        if born > today:
            problems.append(InvalidInput(_l("The date of birth is in the future."),
                                         "date_of_birth"))
        elif age_in_years(born, today) > MAX_AGE:
            problems.append(InvalidInput(
                _l("This date of birth makes the person older than %(max)d; check the year.",
                   max=MAX_AGE), "date_of_birth"))
        elif harmed_on is not None and harm is not None and harm != Harm.unharmed \
                and born > harmed_on:
            problems.append(InvalidInput(
                _l("The date of birth is after the incident this person was harmed in."),
                "date_of_birth"))
    if age is not None and not 0 <= age <= MAX_AGE:
        problems.append(InvalidInput(_l("An age is between 0 and %(max)d years.", max=MAX_AGE),
                                     "approximate_age"))
    if born is not None and age is not None and 0 <= age <= MAX_AGE and born <= today:
        on = harmed_on if harm == Harm.killed and harmed_on else today
        if abs(age_in_years(born, on) - age) > 1:
            problems.append(InvalidInput(
                _l("The approximate age does not match the date of birth; give one of them."),
                "approximate_age"))
    if details.injury_severity:
        _enum_value(InjurySeverity, details.injury_severity, "injury_severity", problems)
        if harm is not None and harm != Harm.injured:
            problems.append(InvalidInput(_l("An injury severity is for injured persons only."),
                                         "injury_severity"))
    if details.disability_description and len(details.disability_description) > 300:
        problems.append(InvalidInput(_l("Describe the disability in 300 characters at most."),
                                     "disability_description"))
    if details.is_payee and harm in (Harm.killed, Harm.missing):
        problems.append(InvalidInput(_l("A person killed or missing cannot be a payee."),
                                     "is_payee"))
    return problems


@dataclass
class LossDetails:
    kind: LossKind | str
    description: str | None = None
    estimated_value_minor: int | None = None
    currency: str | None = None
    incident_id: int | None = None


def loss_problems(details: LossDetails) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    _enum_value(LossKind, details.kind, "kind", problems)
    value, currency = details.estimated_value_minor, _clean(details.currency)
    if (value is None) != (currency is None):
        problems.append(InvalidInput(_l("Give the estimated value with its currency, or "
                                        "neither."), "estimated_value"))
    if currency is not None and currency not in MINOR_UNIT_DIGITS:
        problems.append(InvalidInput(_l("Unknown currency %(code)s.", code=currency),
                                     "currency"))
    if value is not None and not 0 <= value <= MAX_MINOR_UNITS:
        problems.append(InvalidInput(_l("The estimated value must be positive and realistic."),
                                     "estimated_value"))
    if details.description and len(details.description) > 1000:
        problems.append(InvalidInput(_l("Describe the loss in 1,000 characters at most."),
                                     "description"))
    return problems


def raise_first(problems: list[InvalidInput]) -> None:
    if problems:
        raise problems[0]
