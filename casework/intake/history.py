"""How the audit trail tells the events about intake's records: cases (opened, edited,
assigned, moved through their lifecycle), household members, losses, incidents with their
parties, references and official assessments (casework.core.history).

A stage change writes two rows: the case's new stage and the step (``case_transitions``)
with its action and reason; the step tells it, with the action's label from the case
lifecycle, and the case's own update is bookkeeping. So are the derived columns (priority,
vulnerability, name keys) that follow from a household member's change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    changed_fields,
    register_history_names,
    register_history_sentence,
    say,
)
from casework.extensions import db
from casework.intake.lifecycle import ACTION_LABELS
from casework.intake.models.cases import STAGE_LABELS
from casework.intake.models.incidents import (
    CREDIBILITY_LABELS,
    PARTY_ROLE_LABELS,
    Incident,
)
from casework.intake.models.losses import LOSS_KIND_LABELS, Loss
from casework.intake.models.persons import HARM_LABELS, RELATIONSHIP_LABELS, Person

INCIDENTS, PERSONS, LOSSES = "incidents", "persons", "losses"

CASE_FIELDS = {
    "contact_phone": _l("Phone"),
    "contact_email": _l("Email"),
    "contact_notes": _l("Other ways to reach the family"),
    "current_address": _l("Current address"),
    "preferred_language": _l("Preferred language"),
    "delivery_channel": _l("Letters delivered by"),
    "consent_given_on": _l("Informed consent given on"),
    "consent_text_version": _l("Consent text version"),
    "asserted_vulnerability": _l("Also vulnerable"),
}
# Columns that follow from other changes (a step, a household member, a merge), or that
# every write touches: the events that caused them tell.
CASE_BOOKKEEPING = frozenset({
    "stage", "stage_changed_at", "due_on", "registered_at", "priority", "vulnerability",
    "merged_into_id", "updated_at", "updated_by_id", "version",
})
PERSON_FIELDS = {
    "name_ar": _l("Name in Arabic script"),
    "name_latin": _l("Name in Latin letters"),
    "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth"),
    "approximate_age": _l("Approximate age"),
    "relationship_to_head": _l("Relationship"),
    "harm": _l("Harm"),
    "incident_id": _l("Harmed in incident"),
    "injury_severity": _l("Injury severity"),
    "has_disability": _l("Has a disability"),
    "disability_description": _l("Disability"),
    "is_payee": _l("Payee"),
}
LOSS_FIELDS = {
    "kind": _l("Loss"),
    "description": _l("Description"),
    "estimated_value_minor": _l("Estimated value"),
    "currency": _l("Currency"),
    "incident_id": _l("Incident"),
}
INCIDENT_FIELDS = {
    "reference": _l("Reference"),
    "occurred_on": _l("Date"),
    "occurred_time": _l("Time (local, if known)"),
    "neighbourhood": _l("Neighbourhood"),
    "city": _l("City or town"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "weapon": _l("Weapon or munition"),
    "weapon_detail": _l("Weapon details"),
    "stated_target": _l("Stated target"),
    "description": _l("Description"),
}


def _label(labels: dict, value: Any) -> Any:
    return labels.get(value, value) if value is not None else "—"


def name_in_reader_script(name_ar: str | None, name_latin: str | None) -> str | None:
    """A person's name in the reader's script when recorded in it, else in the other."""
    first, second = (name_ar, name_latin) if str(get_locale()) == "ar" else (name_latin, name_ar)
    return first or second


# -- names ---------------------------------------------------------------------------------

def incident_names(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Incident.id, Incident.reference)
                                   .where(Incident.id.in_(ids))).all())


def person_names(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(select(Person.id, Person.name_ar, Person.name_latin)
                              .where(Person.id.in_(ids))).all()
    return {row.id: name_in_reader_script(row.name_ar, row.name_latin) for row in rows}


def loss_names(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(select(Loss.id, Loss.kind).where(Loss.id.in_(ids))).all()
    return {row.id: str(_label(LOSS_KIND_LABELS, row.kind)) for row in rows}


def _incident(event: HistoryEvent, names: HistoryNames) -> str:
    return names.of(INCIDENTS, event.value("incident_id")) or _("an incident")


def _refers_to_incident(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    incident_id = event.value("incident_id")
    return [(INCIDENTS, incident_id)] if incident_id is not None else []


def _case_incident_id(event: HistoryEvent) -> Any:
    """The incident of a case-incident link (its key is "case id,incident id")."""
    incident_id = event.value("incident_id")
    if incident_id is None and event.entity_id and "," in event.entity_id:
        incident_id = event.entity_id.split(",")[1]
    return incident_id


def _refers_to_case_incident(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    incident_id = _case_incident_id(event)
    return [(INCIDENTS, incident_id)] if incident_id is not None else []


# -- cases ---------------------------------------------------------------------------------

def case(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    reference = event.value("reference") or names.case(event.case_id)
    if event.created:
        return say(_("%(who)s opened case %(reference)s at intake"), who=event.who,
                   reference=reference)
    if event.deleted:
        return say(_("%(who)s removed case %(reference)s"), who=event.who, reference=reference)
    fields = changed_fields(event, CASE_FIELDS)
    if "assigned_to_id" in event.changes and not fields:
        assignee = event.new("assigned_to_id")
        if assignee is None:
            return say(_("%(who)s left the case without an assigned caseworker"),
                       who=event.who)
        return say(_("%(who)s assigned the case to %(name)s"), who=event.who,
                   name=names.user(assignee))
    if fields:
        return say(_("%(who)s edited the case: %(fields)s"), who=event.who, fields=fields)
    if event.changed_only(CASE_BOOKKEEPING):
        return None
    return say(_("%(who)s changed the case's record"), who=event.who)


def _refers_to_assignee(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    assignee = event.new("assigned_to_id")
    return [(HistoryNames.USERS, assignee)] if assignee is not None else []


def transition(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if not event.created:
        return None
    action = _label(ACTION_LABELS, event.value("action"))
    before, after = event.value("from_stage"), event.value("to_stage")
    if before == after:
        return say(_("%(who)s: “%(action)s” (the case stays at %(stage)s)"),
                   quote=event.value("reason"), who=event.who, action=action,
                   stage=_label(STAGE_LABELS, after))
    return say(_("%(who)s moved the case from %(before)s to %(after)s: “%(action)s”"),
               quote=event.value("reason"), who=event.who, action=action,
               before=_label(STAGE_LABELS, before), after=_label(STAGE_LABELS, after))


def case_incident(event: HistoryEvent, names: HistoryNames) -> Sentence:
    incident = names.of(INCIDENTS, _case_incident_id(event)) or _("an incident")
    if event.deleted:
        return say(_("%(who)s unlinked the case from incident %(incident)s"), who=event.who,
                   incident=incident)
    return say(_("%(who)s linked the case to incident %(incident)s"), who=event.who,
               incident=incident)


def case_opened(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s opened case %(reference)s"), who=event.who,
               reference=names.case(event.case_id))


# -- household members and losses ---------------------------------------------------------

PERSON_BOOKKEEPING = frozenset({
    "updated_at", "name_ar_norm", "name_latin_norm", "name_key_ar", "name_key_latin",
    "full_name_key", "birth_year", "age_as_of", "victim_id",
})


def person(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    name = (name_in_reader_script(event.value("name_ar"), event.value("name_latin"))
            if not event.updated else None) or names.of(PERSONS, event.record_id) \
        or _("a household member")
    if event.created:
        return say(_("%(who)s added %(name)s to the household (%(relationship)s, %(harm)s)"),
                   who=event.who, name=name,
                   relationship=_label(RELATIONSHIP_LABELS, event.value("relationship_to_head")),
                   harm=_label(HARM_LABELS, event.value("harm")))
    if event.deleted:
        return say(_("%(who)s removed %(name)s from the list of household members"),
                   who=event.who, name=name)
    if "harm" in event.changes and event.changed_only({"harm", *PERSON_BOOKKEEPING}):
        return say(_("%(who)s changed the harm of %(name)s from %(before)s to %(after)s"),
                   who=event.who, name=name, before=_label(HARM_LABELS, event.old("harm")),
                   after=_label(HARM_LABELS, event.new("harm")))
    fields = changed_fields(event, PERSON_FIELDS)
    if fields:
        return say(_("%(who)s edited the details of %(name)s: %(fields)s"), who=event.who,
                   name=name, fields=fields)
    if event.changed_only(PERSON_BOOKKEEPING):
        return None
    return say(_("%(who)s changed the record of %(name)s"), who=event.who, name=name)


def loss(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    kind = _label(LOSS_KIND_LABELS, event.value("kind")) if not event.updated else (
        names.of(LOSSES, event.record_id) or _("a loss"))
    if event.created:
        return say(_("%(who)s recorded a loss: %(kind)s"), who=event.who, kind=kind)
    if event.deleted:
        return say(_("%(who)s removed a loss: %(kind)s"), who=event.who, kind=kind)
    fields = changed_fields(event, LOSS_FIELDS)
    if fields:
        return say(_("%(who)s edited a loss (%(kind)s): %(fields)s"), who=event.who, kind=kind,
                   fields=fields)
    return None


# -- incidents -----------------------------------------------------------------------------

INCIDENT_BOOKKEEPING = frozenset({"credibility", "credibility_on", "updated_at", "version"})


def incident(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    reference = event.value("reference") if not event.updated else None
    reference = reference or names.of(INCIDENTS, event.record_id) or _("an incident")
    if event.created:
        return say(_("%(who)s entered incident %(reference)s"), who=event.who,
                   reference=reference)
    if event.deleted:
        return say(_("%(who)s removed incident %(reference)s"), who=event.who,
                   reference=reference)
    fields = changed_fields(event, INCIDENT_FIELDS)
    if fields:
        return say(_("%(who)s edited incident %(reference)s: %(fields)s"), who=event.who,
                   reference=reference, fields=fields)
    if event.changed_only(INCIDENT_BOOKKEEPING):
        return None
    return say(_("%(who)s changed incident %(reference)s"), who=event.who, reference=reference)


def party(event: HistoryEvent, names: HistoryNames) -> Sentence:
    values = {"who": event.who, "party": event.value("name") or "?",
              "role": _label(PARTY_ROLE_LABELS, event.value("role")),
              "incident": _incident(event, names)}
    if event.deleted:
        return say(_("%(who)s removed %(party)s (%(role)s) from the parties to incident "
                     "%(incident)s"), **values)
    if event.created:
        return say(_("%(who)s added %(party)s (%(role)s) to the parties to incident "
                     "%(incident)s"), **values)
    return say(_("%(who)s changed a party to incident %(incident)s"), **values)


def external_reference(event: HistoryEvent, names: HistoryNames) -> Sentence:
    source = " ".join(part for part in (event.value("source"), event.value("identifier"))
                      if part) or "?"
    values = {"who": event.who, "source": source, "incident": _incident(event, names)}
    if event.deleted:
        return say(_("%(who)s removed the reference %(source)s from incident %(incident)s"),
                   **values)
    if event.created:
        return say(_("%(who)s added the reference %(source)s to incident %(incident)s"),
                   **values)
    return say(_("%(who)s changed a reference of incident %(incident)s"), **values)


def assessment(event: HistoryEvent, names: HistoryNames) -> Sentence:
    if not event.created:
        return say(_("%(who)s changed an official assessment of incident %(incident)s"),
                   who=event.who, incident=_incident(event, names))
    return say(_("%(who)s recorded the official assessment of incident %(incident)s: "
                 "%(status)s (%(source)s)"), quote=event.value("notes"), who=event.who,
               incident=_incident(event, names),
               status=_label(CREDIBILITY_LABELS, event.value("status")),
               source=event.value("source") or "?")


def register_history() -> None:
    """Intake's sentences and names (called once, from the blueprint)."""
    register_history_sentence("cases", case, refers=_refers_to_assignee, noun=_l("a case"))
    register_history_sentence("case_transitions", transition, noun=_l("a step of a case"))
    register_history_sentence("case_incidents", case_incident,
                              refers=_refers_to_case_incident,
                              noun=_l("the incidents of a case"))
    register_history_sentence("case.opened", case_opened)
    register_history_sentence(PERSONS, person, noun=_l("a household member"))
    register_history_sentence(LOSSES, loss, noun=_l("a loss"))
    register_history_sentence(INCIDENTS, incident, noun=_l("an incident"))
    register_history_sentence("incident_parties", party, refers=_refers_to_incident,
                              noun=_l("a party to an incident"))
    register_history_sentence("incident_external_references", external_reference,
                              refers=_refers_to_incident,
                              noun=_l("a reference of an incident"))
    register_history_sentence("credibility_assessments", assessment,
                              refers=_refers_to_incident,
                              noun=_l("an official assessment of an incident"))
    register_history_names(INCIDENTS, incident_names)
    register_history_names(PERSONS, person_names)
    register_history_names(LOSSES, loss_names)
