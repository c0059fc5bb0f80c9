"""Recording acknowledgements, their delivery and the family's responses. Operations flush,
never commit.

An acknowledgement can be recorded once the case is eligible (and while it is
acknowledged or in compensation, e.g. when compensation started first). It can be
corrected until it is delivered; from then on it is kept as delivered. Recording the
delivery of an eligible case's acknowledgement moves the case to `acknowledged` through
the case lifecycle, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from casework.acknowledgement.models import (
    Acknowledgement,
    AcknowledgementFact,
    DeliveryMethod,
    FactKind,
    FamilyResponse,
    FamilyResponseKind,
    Responsibility,
)
from casework.core.dates import date_text, office_today
from casework.core.errors import Conflict, InvalidInput
from casework.core.i18n import join_list
from casework.core.lifecycle import StaleRecord
from casework.core.models import utcnow
from casework.extensions import db
from casework.intake.lifecycle import (
    CaseAction,
    apply_case_transition,
)
from casework.intake.models.cases import STAGE_LABELS, Case, CaseStage, Language
from casework.intake.models.incidents import PARTY_ROLE_LABELS, WEAPON_LABELS, Weapon
from casework.intake.validation import ARABIC_LETTER, LATIN_LETTER

# Stages at which the acknowledgement of a case is recorded and delivered.
ACKNOWLEDGEABLE_STAGES = frozenset(
    {CaseStage.eligible, CaseStage.acknowledged, CaseStage.compensation}
)
# A delivered acknowledgement's responses can still come in after the case closed.
RESPONSE_STAGES = ACKNOWLEDGEABLE_STAGES | {CaseStage.closed}

PARTY_MAX = 300
SOURCE_MAX = 500
TEXT_MAX = 10_000


@dataclass
class FactDetails:
    kind: FactKind | str
    # True: disclosed with `text`; False: withheld for `withheld_reason`; None: not said.
    disclosed: bool | None
    text: str | None = None
    withheld_reason: str | None = None


@dataclass
class AcknowledgementDetails:
    acknowledging_party: str
    acknowledged_on: date | None
    responsibility: Responsibility | str
    facts: list[FactDetails] = field(default_factory=list)
    source: str | None = None
    apology_text: str | None = None


@dataclass
class DeliveryDetails:
    delivered_on: date | None
    method: DeliveryMethod | str
    delivered_by: str
    notes: str | None = None


@dataclass
class ResponseDetails:
    response: FamilyResponseKind | str
    responded_on: date | None
    notes: str | None = None
    follow_up_on: date | None = None
    follow_up_notes: str | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _enum_or_problem(enum_class: type, value: Any, field_name: str, problems: list) -> Any:
    try:
        return enum_class(value)
    except ValueError:
        problems.append(InvalidInput(_l("Choose one of the options."), field_name))
        return None


def _too_long(value: str | None, limit: int, field_name: str, problems: list) -> None:
    if value and len(value) > limit:
        problems.append(InvalidInput(
            _l("At most %(limit)d characters (this has %(count)d).", limit=limit,
               count=len(value)), field_name))


def _raise_first(problems: list[InvalidInput]) -> None:
    if problems:
        raise problems[0]


# Rules


def fact_field(kind: FactKind | str, name: str) -> str:
    """The form field an error about one fact is shown on, e.g. "weapon.text"."""
    return f"{FactKind(kind).value}.{name}"


def fact_problems(facts: list[FactDetails]) -> list[InvalidInput]:
    """Every fact of the right to know is answered: disclosed with its text, or withheld
    with the reason the acknowledging party gave."""
    problems: list[InvalidInput] = []
    given = {}
    for fact in facts:
        kind = FactKind(fact.kind)
        if kind in given:
            problems.append(InvalidInput(_l("This fact is given twice."),
                                         fact_field(kind, "disclosed")))
        given[kind] = fact
    for kind in FactKind:
        fact = given.get(kind)
        if fact is None or fact.disclosed is None:
            problems.append(InvalidInput(
                _l("Say whether this fact was disclosed to the family or withheld."),
                fact_field(kind, "disclosed")))
        elif fact.disclosed and not _clean(fact.text):
            problems.append(InvalidInput(
                _l("Write down what the family was told."), fact_field(kind, "text")))
        elif not fact.disclosed and not _clean(fact.withheld_reason):
            problems.append(InvalidInput(
                _l("Give the reason the acknowledging party gave for withholding it "
                   "(write “No reason was given” if none was)."),
                fact_field(kind, "withheld_reason")))
        if fact is not None:
            _too_long(_clean(fact.text), TEXT_MAX, fact_field(kind, "text"), problems)
            _too_long(_clean(fact.withheld_reason), TEXT_MAX,
                      fact_field(kind, "withheld_reason"), problems)
    return problems


def apology_problems(text: str | None, language: Language) -> list[InvalidInput]:
    """The apology is written in the family's language (checked by its script)."""
    problems: list[InvalidInput] = []
    text = _clean(text)
    if text is None:
        return problems
    _too_long(text, TEXT_MAX, "apology_text", problems)
    if language == Language.ar and not ARABIC_LETTER.search(text):
        problems.append(InvalidInput(
            _l("The family's language is Arabic: record the apology as given to them, "
               "in Arabic."), "apology_text"))
    elif language == Language.en and not LATIN_LETTER.search(text):
        problems.append(InvalidInput(
            _l("The family's language is English: record the apology as given to them, "
               "in English."), "apology_text"))
    return problems


def acknowledgement_problems(case: Case, details: AcknowledgementDetails,
                             today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    party = _clean(details.acknowledging_party)
    if party is None:
        problems.append(InvalidInput(
            _l("Name the acknowledging party, e.g. the coalition or a member state's "
               "ministry of defence."), "acknowledging_party"))
    _too_long(party, PARTY_MAX, "acknowledging_party", problems)
    _too_long(_clean(details.source), SOURCE_MAX, "source", problems)
    if details.acknowledged_on is None:
        problems.append(InvalidInput(_l("Give the date of the acknowledgement."),
                                     "acknowledged_on"))
    elif details.acknowledged_on > today:
        problems.append(InvalidInput(_l("The acknowledgement date is in the future."),
                                     "acknowledged_on"))
    else:
        earliest = min((incident.occurred_on for incident in case.incidents), default=None)
        if earliest is not None and details.acknowledged_on < earliest:
            problems.append(InvalidInput(
                _l("The acknowledgement cannot be older than the incident (%(date)s).",
                   date=date_text(earliest)), "acknowledged_on"))
    _enum_or_problem(Responsibility, details.responsibility, "responsibility", problems)
    problems += fact_problems(details.facts)
    problems += apology_problems(details.apology_text, case.preferred_language)
    return problems


def delivery_problems(acknowledgement: Acknowledgement, details: DeliveryDetails,
                      today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    if details.delivered_on is None:
        problems.append(InvalidInput(_l("Give the date of delivery."), "delivered_on"))
    elif details.delivered_on > today:
        problems.append(InvalidInput(_l("The delivery date is in the future."), "delivered_on"))
    elif details.delivered_on < acknowledgement.acknowledged_on:
        problems.append(InvalidInput(
            _l("The delivery cannot come before the acknowledgement (%(date)s).",
               date=date_text(acknowledgement.acknowledged_on)), "delivered_on"))
    _enum_or_problem(DeliveryMethod, details.method, "method", problems)
    delivered_by = _clean(details.delivered_by)
    if delivered_by is None:
        problems.append(InvalidInput(
            _l("Name who delivered it, and for whom they speak."), "delivered_by"))
    _too_long(delivered_by, PARTY_MAX, "delivered_by", problems)
    _too_long(_clean(details.notes), TEXT_MAX, "notes", problems)
    return problems


def response_problems(acknowledgement: Acknowledgement, details: ResponseDetails,
                      today: date) -> list[InvalidInput]:
    problems: list[InvalidInput] = []
    _enum_or_problem(FamilyResponseKind, details.response, "response", problems)
    if details.responded_on is None:
        problems.append(InvalidInput(_l("Give the date."), "responded_on"))
    elif details.responded_on > today:
        problems.append(InvalidInput(_l("The date is in the future."), "responded_on"))
    elif (acknowledgement.delivered_on is not None
          and details.responded_on < acknowledgement.delivered_on):
        problems.append(InvalidInput(
            _l("The response cannot come before the delivery (%(date)s).",
               date=date_text(acknowledgement.delivered_on)), "responded_on"))
    if details.follow_up_on is not None and details.responded_on is not None and (
        details.follow_up_on < details.responded_on
    ):
        problems.append(InvalidInput(_l("A follow-up comes after the response."),
                                     "follow_up_on"))
    if _clean(details.follow_up_notes) and details.follow_up_on is None:
        problems.append(InvalidInput(_l("Give the date of the follow-up."), "follow_up_on"))
    _too_long(_clean(details.notes), TEXT_MAX, "notes", problems)
    _too_long(_clean(details.follow_up_notes), TEXT_MAX, "follow_up_notes", problems)
    return problems


# Reading


def acknowledgements_of_case(case_id: int) -> list[Acknowledgement]:
    """A case's acknowledgements, oldest first, with facts and responses (three statements)."""
    return list(db.session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.case_id == case_id)
        .options(selectinload(Acknowledgement.facts), selectinload(Acknowledgement.responses))
        .order_by(Acknowledgement.id)
    ))


def load_acknowledgement(acknowledgement_id: int) -> Acknowledgement | None:
    return db.session.scalar(
        select(Acknowledgement)
        .where(Acknowledgement.id == acknowledgement_id)
        .options(selectinload(Acknowledgement.facts), selectinload(Acknowledgement.responses))
    )


def suggested_facts(case: Case) -> dict[FactKind, str]:
    """What the case's incident records say of the target, place, weapon and states, as a
    starting point for the facts disclosed (the caseworker corrects them to what was said)."""
    incidents = case.incidents
    suggestions: dict[FactKind, str] = {}
    targets = [i.stated_target for i in incidents if i.stated_target]
    if targets:
        suggestions[FactKind.target] = join_list(targets, strong=True)
    places = []
    for incident in incidents:
        place = incident.place
        if incident.latitude is not None and incident.longitude is not None:
            place += f" ({incident.latitude:.5f}, {incident.longitude:.5f})"
        places.append(place)
    if places:
        suggestions[FactKind.location] = join_list(places, strong=True)
    weapons = [
        join_list(part for part in (WEAPON_LABELS[i.weapon], i.weapon_detail) if part)
        for i in incidents if i.weapon != Weapon.unknown
    ]
    if weapons:
        suggestions[FactKind.weapon] = join_list(weapons, strong=True)
    parties = [
        f"{party.name}: {PARTY_ROLE_LABELS[party.role]}"
        for incident in incidents for party in incident.parties
    ]
    if parties:
        suggestions[FactKind.participating_states] = join_list(parties, strong=True)
    return suggestions


# Changes


def _check_version(acknowledgement: Acknowledgement, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != acknowledgement.version:
        raise StaleRecord(
            _l("This acknowledgement was changed by someone else after you opened the form."),
            acknowledgement,
        )


def _flush(acknowledgement: Acknowledgement) -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(
            _l("This acknowledgement was changed by someone else at the same moment."),
            acknowledgement,
        ) from error


def _check_stage(case: Case, stages: frozenset[CaseStage], message: Any) -> None:
    if case.stage not in stages:
        raise Conflict(message)


def _apply_facts(acknowledgement: Acknowledgement, facts: list[FactDetails]) -> None:
    by_kind = {FactKind(fact.kind): fact for fact in facts}
    existing = {fact.kind: fact for fact in acknowledgement.facts}
    for position, kind in enumerate(FactKind):
        details = by_kind[kind]
        row = existing.get(kind)
        if row is None:
            row = AcknowledgementFact(kind=kind, position=position)
            acknowledgement.facts.append(row)
        row.disclosed = bool(details.disclosed)
        row.text = _clean(details.text) if details.disclosed else None
        row.withheld_reason = None if details.disclosed else _clean(details.withheld_reason)


def _apply_details(acknowledgement: Acknowledgement, case: Case,
                   details: AcknowledgementDetails, actor: Any) -> None:
    acknowledgement.acknowledging_party = _clean(details.acknowledging_party)
    acknowledgement.acknowledged_on = details.acknowledged_on
    acknowledgement.responsibility = Responsibility(details.responsibility)
    acknowledgement.source = _clean(details.source)
    acknowledgement.apology_text = _clean(details.apology_text)
    acknowledgement.apology_language = (
        case.preferred_language if acknowledgement.apology_text else None
    )
    acknowledgement.updated_at = utcnow()
    acknowledgement.updated_by_id = actor.id if actor is not None else None
    _apply_facts(acknowledgement, details.facts)


def record_acknowledgement(case: Case, details: AcknowledgementDetails,
                           actor: Any) -> Acknowledgement:
    """Record what the acknowledging party acknowledged, disclosed and apologised for."""
    _check_stage(case, ACKNOWLEDGEABLE_STAGES, _l(
        "An acknowledgement is recorded once the case is eligible (it is at stage "
        "“%(stage)s”).", stage=STAGE_LABELS[case.stage]))
    _raise_first(acknowledgement_problems(case, details, office_today(case)))
    acknowledgement = Acknowledgement(
        case=case, recorded_by_id=actor.id if actor is not None else None, recorded_at=utcnow()
    )
    _apply_details(acknowledgement, case, details, actor)
    db.session.add(acknowledgement)
    _flush(acknowledgement)
    return acknowledgement


def update_acknowledgement(acknowledgement: Acknowledgement, details: AcknowledgementDetails,
                           actor: Any, expected_version: int | None) -> Acknowledgement:
    """Correct an acknowledgement not yet delivered."""
    _check_version(acknowledgement, expected_version)
    if acknowledgement.is_delivered:
        raise Conflict(_l(
            "This acknowledgement was delivered on %(date)s and is kept as delivered; "
            "record a new acknowledgement instead.",
            date=date_text(acknowledgement.delivered_on)))
    case = acknowledgement.case
    _check_stage(case, ACKNOWLEDGEABLE_STAGES, _l(
        "The case is at stage “%(stage)s”: its acknowledgement can no longer change.",
        stage=STAGE_LABELS[case.stage]))
    _raise_first(acknowledgement_problems(case, details, office_today(case)))
    _apply_details(acknowledgement, case, details, actor)
    _flush(acknowledgement)
    return acknowledgement


def record_delivery(acknowledgement: Acknowledgement, details: DeliveryDetails, actor: Any,
                    expected_version: int | None) -> Acknowledgement:
    """Record how, when and by whom the acknowledgement and apology reached the family.

    An eligible case moves to `acknowledged` in the same transaction; a case already
    past that stage (compensation allowed first, or a second acknowledgement) keeps it.
    """
    _check_version(acknowledgement, expected_version)
    if acknowledgement.is_delivered:
        raise Conflict(_l("Delivery was already recorded (%(date)s).",
                          date=date_text(acknowledgement.delivered_on)))
    case = acknowledgement.case
    _check_stage(case, ACKNOWLEDGEABLE_STAGES, _l(
        "The case is at stage “%(stage)s”: delivery cannot be recorded now.",
        stage=STAGE_LABELS[case.stage]))
    _raise_first(delivery_problems(acknowledgement, details, office_today(case)))
    acknowledgement.delivered_on = details.delivered_on
    acknowledgement.delivery_method = DeliveryMethod(details.method)
    acknowledgement.delivered_by = _clean(details.delivered_by)
    acknowledgement.delivery_notes = _clean(details.notes)
    acknowledgement.delivery_recorded_by_id = actor.id if actor is not None else None
    acknowledgement.delivery_recorded_at = utcnow()
    _flush(acknowledgement)
    if case.stage == CaseStage.eligible:
        apply_case_transition(case, CaseAction.acknowledge, actor, expected_version=None)
    return acknowledgement


def record_family_response(acknowledgement: Acknowledgement, details: ResponseDetails,
                           actor: Any) -> FamilyResponse:
    """Append the family's response to a delivered apology, and the follow-up it calls for."""
    if not acknowledgement.is_delivered:
        raise Conflict(_l("Record the delivery first: the family responds to what reached "
                          "them."))
    case = acknowledgement.case
    _check_stage(case, RESPONSE_STAGES, _l(
        "The case is at stage “%(stage)s”: responses are no longer recorded on it.",
        stage=STAGE_LABELS[case.stage]))
    _raise_first(response_problems(acknowledgement, details, office_today(case)))
    response = FamilyResponse(
        response=FamilyResponseKind(details.response),
        responded_on=details.responded_on,
        notes=_clean(details.notes),
        follow_up_on=details.follow_up_on,
        follow_up_notes=_clean(details.follow_up_notes),
        recorded_by_id=actor.id if actor is not None else None,
        recorded_at=utcnow(),
    )
    acknowledgement.responses.append(response)
    db.session.flush()
    return response
