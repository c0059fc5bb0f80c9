"""Changes to incidents, cases, households and losses. Operations flush, never commit.

Every change to a case or its household is checked against the version the user
loaded (`expected_version`; None skips the check, for the command line and imports
that hold the case themselves) and bumps the case's version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from casework.auth.models import Office, User
from casework.core import signals
from casework.core.authz import Role
from casework.core.dates import today
from casework.core.errors import Conflict, InvalidInput
from casework.core.i18n import join_list
from casework.core.lifecycle import StaleRecord
from casework.core.models import utcnow
from casework.core.text import single_line_text
from casework.extensions import db
from casework.intake.editing import check_case_version, flush_case, touch_case
from casework.intake.lifecycle import deadline_days
from casework.intake.models.cases import (
    FINAL_STAGES,
    Case,
    CaseIncident,
    CaseStage,
    DeliveryChannel,
    Language,
    VulnerabilityFlag,
)
from casework.intake.models.incidents import (
    Credibility,
    CredibilityAssessment,
    ExternalReference,
    Incident,
    IncidentParty,
    PartyRole,
    Weapon,
)
from casework.intake.models.losses import Loss, LossKind
from casework.intake.models.persons import (
    VICTIM_HARMS,
    Harm,
    InjurySeverity,
    Person,
    Relationship,
    Sex,
    birth_year_of,
)
from casework.intake.references import allocate_case_reference
from casework.intake.validation import (
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
    raise_first,
)
from casework.intake.vulnerability import derive_flags, derive_priority


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    # Nothing but invisible characters is no value, as the validation judged it: stored as
    # "" once the column drops them (casework.core.text), it would break the constraints
    # that tie a value to its currency, or a consent date to its text's version.
    return value if single_line_text(value).strip() else None


# Incidents


def incident_by_reference(reference: str) -> Incident | None:
    return db.session.scalar(
        select(Incident).where(Incident.reference == (reference or "").strip().upper())
    )


def _apply_incident(incident: Incident, details: IncidentDetails) -> None:
    incident.reference = details.reference.strip().upper()
    incident.occurred_on = details.occurred_on
    incident.occurred_time = details.occurred_time
    incident.neighbourhood = _clean(details.neighbourhood)
    incident.city = details.city.strip()
    incident.latitude = details.latitude
    incident.longitude = details.longitude
    incident.weapon = Weapon(details.weapon)
    incident.weapon_detail = _clean(details.weapon_detail)
    incident.stated_target = _clean(details.stated_target)
    incident.description = _clean(details.description)


def _check_reference_free(reference: str, incident_id: int | None) -> None:
    existing = incident_by_reference(reference)
    if existing is not None and existing.id != incident_id:
        raise Conflict(_l("An incident with reference %(reference)s already exists.",
                          reference=existing.reference), "reference")


def create_incident(details: IncidentDetails, actor: Any) -> Incident:
    raise_first(incident_problems(details, today()))
    _check_reference_free(details.reference, None)
    incident = Incident(credibility=Credibility.pending, created_by_id=_id(actor))
    _apply_incident(incident, details)
    db.session.add(incident)
    db.session.flush()
    return incident


def update_incident(incident: Incident, details: IncidentDetails, actor: Any,
                    expected_version: int | None) -> Incident:
    if expected_version is not None and expected_version != incident.version:
        raise StaleRecord(_l("Incident %(reference)s was changed by someone else after you "
                             "opened this form.", reference=incident.reference), incident)
    raise_first(incident_problems(details, today()))
    _check_reference_free(details.reference, incident.id)
    _apply_incident(incident, details)
    incident.updated_at = utcnow()
    reference = incident.reference
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(_l("Incident %(reference)s was changed by someone else at the same "
                             "moment.", reference=reference), incident) from error
    return incident


def add_party(incident: Incident, name: str, role: PartyRole | str) -> IncidentParty:
    raise_first(party_problems(name, role))
    name, role = name.strip(), PartyRole(role)
    if any(p.name == name and p.role == role for p in incident.parties):
        raise Conflict(_l("%(name)s is already recorded in this role.", name=name), "name")
    party = IncidentParty(name=name, role=role)
    incident.parties.append(party)
    _part_changed(incident)
    db.session.flush()
    return party


def _part_changed(incident: Incident) -> None:
    """A party or reference added or removed changes the incident itself: it is stamped, so
    that the incident's history (its page, read from the audit trail) finds the change and
    its office sees who made it, and an edit form opened before it is refused as stale."""
    incident.updated_at = utcnow()


def remove_party(party: IncidentParty) -> None:
    incident = party.incident
    incident.parties.remove(party)
    _part_changed(incident)
    db.session.flush()


def add_external_reference(incident: Incident, source: str, identifier: str | None,
                           url: str | None) -> ExternalReference:
    raise_first(external_reference_problems(source, identifier, url))
    reference = ExternalReference(source=source.strip(), identifier=_clean(identifier),
                                  url=_clean(url))
    incident.external_references.append(reference)
    _part_changed(incident)
    db.session.flush()
    return reference


def remove_external_reference(reference: ExternalReference) -> None:
    incident = reference.incident
    incident.external_references.remove(reference)
    _part_changed(incident)
    db.session.flush()


def record_assessment(incident: Incident, status: Credibility | str, assessed_on: date | None,
                      source: str, actor: Any, notes: str | None = None) -> CredibilityAssessment:
    """Add a dated entry to the assessment history; the latest by date is current."""
    raise_first(assessment_problems(status, assessed_on, source, incident.occurred_on, today()))
    previous = incident.credibility
    assessment = CredibilityAssessment(
        status=Credibility(status), assessed_on=assessed_on, source=source.strip(),
        notes=_clean(notes), recorded_by_id=_id(actor),
    )
    incident.assessments.append(assessment)
    latest = max(incident.assessments, key=lambda a: (a.assessed_on, a.id or float("inf")))
    incident.credibility = latest.status
    incident.credibility_on = latest.assessed_on
    incident.updated_at = utcnow()
    db.session.flush()
    signals.incident_assessment_recorded.send(
        current_app._get_current_object(), incident=incident, assessment=assessment,
        previous=previous,
    )
    return assessment


# Cases


def _id(user: Any) -> int | None:
    return user.id if user is not None else None


def _incidents_by_id(incident_ids: Iterable[int]) -> list[Incident]:
    wanted = sorted({int(i) for i in incident_ids})
    if not wanted:
        return []
    found = list(db.session.scalars(select(Incident).where(Incident.id.in_(wanted))))
    missing = sorted(set(wanted) - {incident.id for incident in found})
    if missing:
        raise InvalidInput(
            _l("Unknown incident: %(ids)s. Choose incidents from the list.",
               ids=join_list(f"#{i}" for i in missing)), "incident_ids")
    return sorted(found, key=lambda incident: (incident.occurred_on, incident.id))


def _check_assignee(office: Office, assignee: User) -> None:
    if not (assignee.role == Role.caseworker and assignee.office_id == office.id
            and assignee.active):
        raise InvalidInput(
            _l("%(name)s is not an active caseworker of office %(office)s.",
               name=assignee.name, office=office.code), "assigned_to")


def _ensure_editable(case: Case) -> None:
    if case.stage in FINAL_STAGES:
        raise Conflict(_l("Case %(reference)s is %(stage)s: it can no longer be changed.",
                          reference=case.reference, stage=case.stage.value))


def _apply_case_details(case: Case, details: CaseDetails, actor: Any) -> None:
    case.contact_phone = _clean(details.contact_phone)
    case.contact_email = _clean(details.contact_email)
    case.contact_notes = _clean(details.contact_notes)
    case.current_address = _clean(details.current_address)
    case.preferred_language = Language(details.preferred_language)
    case.delivery_channel = DeliveryChannel(details.delivery_channel)
    version = _clean(details.consent_text_version)
    if (details.consent_given_on, version) != (case.consent_given_on, case.consent_text_version):
        case.consent_given_on = details.consent_given_on
        case.consent_text_version = version
        case.consent_recorded_by_id = _id(actor) if details.consent_given_on else None
    case.asserted_vulnerability = VulnerabilityFlag(int(details.asserted_vulnerability))


def create_case(
    office: Office, actor: Any, details: CaseDetails, incident_ids: Iterable[int] = (), *,
    assignee: User | None = None, head: PersonDetails | None = None, now: datetime | None = None,
) -> Case:
    """Open a case at intake, with its reference, optionally its head of household."""
    now = now or utcnow()
    raise_first(case_problems(details, now.date()))
    incidents = _incidents_by_id(incident_ids)
    if assignee is None and actor is not None and actor.role == Role.caseworker:
        assignee = actor
    if assignee is not None:
        _check_assignee(office, assignee)
    if head is not None:
        if Relationship(head.relationship_to_head) != Relationship.head:
            raise InvalidInput(_l("The first member recorded is the head of household."),
                               "relationship_to_head")
        _check_person(head, incidents, now.date())
    # The counter row is locked first, before anything else is written (one lock order).
    reference = allocate_case_reference(office, now)
    case = Case(
        reference=reference,
        office=office,
        stage=CaseStage.intake,
        stage_changed_at=now,
        due_on=now.date() + timedelta(days=deadline_days("intake_completion")),
        assigned_to_id=_id(assignee),
        created_at=now,
        created_by_id=_id(actor),
        updated_at=now,
        updated_by_id=_id(actor),
    )
    _apply_case_details(case, details, actor)
    case.incident_links = [CaseIncident(incident=incident) for incident in incidents]
    db.session.add(case)
    if head is not None:
        person = Person()
        case.persons.append(person)
        _apply_person(person, head, incidents, now.date())
    refresh_vulnerability(case, incidents, now.date())
    flush_case(case)
    return case


def update_case(case: Case, details: CaseDetails, incident_ids: Iterable[int], actor: Any,
                expected_version: int | None) -> Case:
    check_case_version(case, expected_version)
    _ensure_editable(case)
    raise_first(case_problems(details, today()))
    if details.consent_given_on is None and case.consent_given_on is not None \
            and case.stage != CaseStage.intake:
        raise Conflict(_l("Consent cannot be removed from a case past intake; if the family "
                          "withdraws it, withdraw the case."), "consent_given_on")
    incidents = _incidents_by_id(incident_ids)
    kept = {incident.id for incident in incidents}
    for item in [*case.persons, *case.losses]:
        if item.incident_id is not None and item.incident_id not in kept:
            raise InvalidInput(
                _l("An incident still linked to a household member or a loss cannot be "
                   "removed; change them first."), "incident_ids")
    # Read before changing anything: a lazy load after a change would autoflush it, an
    # UPDATE of its own (a second version) and a stale write outside flush_case.
    current = {link.incident_id: link for link in case.incident_links}
    _apply_case_details(case, details, actor)
    for incident_id, link in current.items():
        if incident_id not in kept:
            case.incident_links.remove(link)
    for incident in incidents:
        if incident.id not in current:
            case.incident_links.append(CaseIncident(incident=incident))
    refresh_vulnerability(case, incidents, today())
    touch_case(case, actor)
    flush_case(case)
    db.session.expire(case, ["incidents"])
    return case


def assign_case(case: Case, assignee: User, actor: Any, expected_version: int | None) -> Case:
    check_case_version(case, expected_version)
    _ensure_editable(case)
    _check_assignee(case.office, assignee)
    case.assigned_to_id = assignee.id
    touch_case(case, actor)
    flush_case(case)
    db.session.expire(case, ["assigned_to"])
    return case


def refresh_vulnerability(case: Case, incidents: Iterable[Incident] | None = None,
                          on: date | None = None) -> None:
    """Derive the flags from the household, add the asserted ones, and set the priority."""
    if incidents is None:
        incidents = case.incidents
    dates = {incident.id: incident.occurred_on for incident in incidents}
    derived = derive_flags(case.persons, dates, on or today())
    flags = derived | VulnerabilityFlag(int(case.asserted_vulnerability or 0))
    case.vulnerability = flags
    case.priority = int(derive_priority(flags))


# Household members


def _harmed_on(details: PersonDetails, incidents: list[Incident]) -> date | None:
    dates = {incident.id: incident.occurred_on for incident in incidents}
    if details.incident_id is not None:
        return dates.get(details.incident_id)
    return min(dates.values(), default=None)


def _check_person(details: PersonDetails, incidents: list[Incident], on: date) -> None:
    raise_first(person_problems(details, on, _harmed_on(details, incidents)))
    if details.incident_id is not None and details.incident_id not in {i.id for i in incidents}:
        raise InvalidInput(_l("Choose one of this case's incidents."), "incident_id")


def _resolved_incident_id(details: PersonDetails | LossDetails, incidents: list[Incident],
                          needs_incident: bool) -> int | None:
    if details.incident_id is not None:
        return details.incident_id
    if needs_incident and len(incidents) == 1:
        return incidents[0].id
    return None


def _apply_person(person: Person, details: PersonDetails, incidents: list[Incident],
                  on: date) -> None:
    harm = Harm(details.harm)
    person.name_ar = _clean(details.name_ar)
    person.name_latin = _clean(details.name_latin)
    person.sex = Sex(details.sex)
    person.relationship_to_head = Relationship(details.relationship_to_head)
    person.harm = harm
    person.incident_id = (
        _resolved_incident_id(details, incidents, True) if harm in VICTIM_HARMS else None
    )
    person.date_of_birth = details.date_of_birth
    person.approximate_age = details.approximate_age
    if details.approximate_age is None:
        person.age_as_of = None
    elif harm == Harm.killed:
        # For a person killed, the age given is their age when killed.
        person.age_as_of = _harmed_on(details, incidents) or on
    else:
        person.age_as_of = on
    person.birth_year = birth_year_of(person.date_of_birth, person.approximate_age,
                                      person.age_as_of)
    person.injury_severity = (
        InjurySeverity(details.injury_severity) if details.injury_severity else None
    )
    person.has_disability = bool(details.has_disability)
    person.disability_description = (
        _clean(details.disability_description) if details.has_disability else None
    )
    person.is_payee = bool(details.is_payee)
    person.updated_at = utcnow()


def _case_incidents(case: Case) -> list[Incident]:
    return [link.incident for link in case.incident_links]


def _check_single_head(case: Case, details: PersonDetails, person: Person | None) -> None:
    if Relationship(details.relationship_to_head) != Relationship.head:
        return
    other = next((p for p in case.persons if p.is_head and p is not person), None)
    if other is not None:
        raise InvalidInput(
            _l("%(name)s is already the head of household; change their relationship first.",
               name=other.display_name), "relationship_to_head")


def add_person(case: Case, details: PersonDetails, actor: Any,
               expected_version: int | None) -> Person:
    check_case_version(case, expected_version)
    _ensure_editable(case)
    incidents = _case_incidents(case)
    _check_person(details, incidents, today())
    _check_single_head(case, details, None)
    person = Person()
    case.persons.append(person)
    _apply_person(person, details, incidents, today())
    refresh_vulnerability(case, incidents)
    touch_case(case, actor)
    flush_case(case)
    return person


def update_person(person: Person, details: PersonDetails, actor: Any,
                  expected_version: int | None) -> Person:
    case = person.case
    check_case_version(case, expected_version)
    _ensure_editable(case)
    incidents = _case_incidents(case)
    _check_person(details, incidents, today())
    _check_single_head(case, details, person)
    _apply_person(person, details, incidents, today())
    refresh_vulnerability(case, incidents)
    touch_case(case, actor)
    flush_case(case)
    return person


def entries_removable(case: Case) -> bool:
    """Household members and losses are removed only while the case is at intake; after
    that a wrong entry is corrected, so that what was registered stays on record."""
    return case.stage == CaseStage.intake


def _ensure_removable(case: Case) -> None:
    if not entries_removable(case):
        raise Conflict(_l("Entries can be removed only while the case is at intake; "
                          "correct them instead."))


def remove_person(person: Person, actor: Any, expected_version: int | None) -> None:
    case = person.case
    check_case_version(case, expected_version)
    _ensure_removable(case)
    case.persons.remove(person)
    refresh_vulnerability(case, _case_incidents(case))
    touch_case(case, actor)
    flush_case(case)


# Losses


def _check_loss(details: LossDetails, incidents: list[Incident]) -> None:
    raise_first(loss_problems(details))
    if details.incident_id is not None and details.incident_id not in {i.id for i in incidents}:
        raise InvalidInput(_l("Choose one of this case's incidents."), "incident_id")


def _apply_loss(loss: Loss, details: LossDetails, incidents: list[Incident]) -> None:
    loss.kind = LossKind(details.kind)
    loss.description = _clean(details.description)
    loss.estimated_value_minor = details.estimated_value_minor
    loss.currency = _clean(details.currency)
    loss.incident_id = _resolved_incident_id(details, incidents, True)
    loss.updated_at = utcnow()


def add_loss(case: Case, details: LossDetails, actor: Any,
             expected_version: int | None) -> Loss:
    check_case_version(case, expected_version)
    _ensure_editable(case)
    incidents = _case_incidents(case)
    _check_loss(details, incidents)
    loss = Loss()
    case.losses.append(loss)
    _apply_loss(loss, details, incidents)
    touch_case(case, actor)
    flush_case(case)
    return loss


def update_loss(loss: Loss, details: LossDetails, actor: Any,
                expected_version: int | None) -> Loss:
    case = loss.case
    check_case_version(case, expected_version)
    _ensure_editable(case)
    incidents = _case_incidents(case)
    _check_loss(details, incidents)
    _apply_loss(loss, details, incidents)
    touch_case(case, actor)
    flush_case(case)
    return loss


def remove_loss(loss: Loss, actor: Any, expected_version: int | None) -> None:
    case = loss.case
    check_case_version(case, expected_version)
    _ensure_removable(case)
    case.losses.remove(loss)
    touch_case(case, actor)
    flush_case(case)
