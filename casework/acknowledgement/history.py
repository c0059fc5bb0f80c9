"""How the audit trail tells the events of the acknowledgement and apology: recorded,
corrected, the facts disclosed or withheld, the apology's delivery, the family's response
(casework.core.history)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.acknowledgement.models import (
    DELIVERY_METHOD_LABELS,
    FACT_LABELS,
    FAMILY_RESPONSE_LABELS,
    RESPONSIBILITY_LABELS,
    AcknowledgementFact,
)
from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    changed_fields,
    day_of,
    register_history_names,
    register_history_sentence,
    say,
)
from casework.extensions import db

FACTS = "acknowledgement_facts"
ACKNOWLEDGEMENT_FIELDS = {
    "acknowledging_party": _l("Acknowledging party"),
    "acknowledged_on": _l("Acknowledged on"),
    "responsibility": _l("Responsibility"),
    "source": _l("Source"),
    "apology_text": _l("Apology"),
    "apology_language": _l("Language of the apology"),
}
ACKNOWLEDGEMENT_BOOKKEEPING = frozenset({"updated_at", "updated_by_id", "version"})


def _label(labels: dict, value: object) -> object:
    return labels.get(value, value) if value is not None else "—"


def fact_kinds(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(select(AcknowledgementFact.id, AcknowledgementFact.kind)
                              .where(AcknowledgementFact.id.in_(ids))).all()
    return {row.id: str(_label(FACT_LABELS, row.kind)) for row in rows}


def acknowledgement(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if event.created:
        return say(_("%(who)s recorded the acknowledgement by %(party)s (%(responsibility)s)"),
                   who=event.who, party=event.value("acknowledging_party") or "?",
                   responsibility=_label(RESPONSIBILITY_LABELS, event.value("responsibility")))
    if event.sets("delivered_on"):
        return say(_("%(who)s recorded the apology's delivery (%(method)s, %(day)s)"),
                   quote=event.new("delivery_notes"), who=event.who,
                   method=_label(DELIVERY_METHOD_LABELS, event.new("delivery_method")),
                   day=day_of(event.new("delivered_on")))
    fields = changed_fields(event, ACKNOWLEDGEMENT_FIELDS)
    if fields:
        return say(_("%(who)s corrected the acknowledgement: %(fields)s"), who=event.who,
                   fields=fields)
    if event.changed_only(ACKNOWLEDGEMENT_BOOKKEEPING):
        return None
    return say(_("%(who)s changed the acknowledgement's record"), who=event.who)


def fact(event: HistoryEvent, names: HistoryNames) -> Sentence:
    kind = _label(FACT_LABELS, event.value("kind")) if not event.updated else (
        names.of(FACTS, event.record_id) or _("a fact"))
    if event.created:
        if event.value("disclosed"):
            return say(_("%(who)s recorded a fact disclosed to the family: %(kind)s"),
                       who=event.who, kind=kind)
        return say(_("%(who)s recorded a fact withheld from the family: %(kind)s"),
                   quote=event.value("withheld_reason"), who=event.who, kind=kind)
    if event.deleted:
        return say(_("%(who)s removed a fact of the acknowledgement: %(kind)s"), who=event.who,
                   kind=kind)
    return say(_("%(who)s corrected a fact of the acknowledgement: %(kind)s"), who=event.who,
               kind=kind)


def family_response(event: HistoryEvent, names: HistoryNames) -> Sentence:
    if event.created:
        return say(_("%(who)s recorded the family's response: %(response)s (%(day)s)"),
                   quote=event.value("notes"), who=event.who,
                   response=_label(FAMILY_RESPONSE_LABELS, event.value("response")),
                   day=day_of(event.value("responded_on")))
    if event.sets("follow_up_on"):
        return say(_("%(who)s recorded a follow-up with the family (%(day)s)"),
                   quote=event.new("follow_up_notes"), who=event.who,
                   day=day_of(event.new("follow_up_on")))
    return say(_("%(who)s corrected the family's response"), who=event.who)


def register_history() -> None:
    """Acknowledgement's sentences and names (called once, from the blueprint)."""
    register_history_sentence("acknowledgements", acknowledgement,
                              noun=_l("an acknowledgement"))
    register_history_sentence(FACTS, fact, noun=_l("a fact of an acknowledgement"))
    register_history_sentence("acknowledgement_family_responses", family_response,
                              noun=_l("a family's response"))
    register_history_names(FACTS, fact_kinds)
