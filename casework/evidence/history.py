"""How the audit trail tells the events about evidence: uploaded, edited, withdrawn,
downloaded (casework.core.history). A protected witness's name never reaches a sentence:
the trail records those columns as changed, without their values."""

from __future__ import annotations

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
from casework.evidence.models import EVIDENCE_KIND_LABELS, Evidence
from casework.extensions import db

EVIDENCE = "evidence"
EVIDENCE_FIELDS = {
    "kind": _l("Kind"),
    "title": _l("Title"),
    "description": _l("Description"),
    "person_id": _l("Household member"),
    "identity_protected": _l("Protect the witness's identity"),
}


def evidence_titles(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Evidence.id, Evidence.title)
                                   .where(Evidence.id.in_(ids))).all())


def _title(event: HistoryEvent, names: HistoryNames) -> str:
    return (event.value("title") if not event.updated else None) \
        or names.of(EVIDENCE, event.record_id) or _("a piece of evidence")


def evidence(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    title = _title(event, names)
    if event.created:
        kind = EVIDENCE_KIND_LABELS.get(event.value("kind"), event.value("kind") or "—")
        return say(_("%(who)s uploaded the evidence “%(title)s” (%(kind)s)"), who=event.who,
                   title=title, kind=kind)
    if event.sets("withdrawn_at"):
        return say(_("%(who)s withdrew the evidence “%(title)s”"),
                   quote=event.new("withdrawal_reason"), who=event.who, title=title)
    fields = changed_fields(event, EVIDENCE_FIELDS)
    if fields:
        return say(_("%(who)s edited the evidence “%(title)s”: %(fields)s"), who=event.who,
                   title=title, fields=fields)
    if event.changed_only({"version"}):
        return None
    return say(_("%(who)s changed the record of the evidence “%(title)s”"), who=event.who,
               title=title)


def downloaded(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s downloaded the evidence “%(title)s”"), who=event.who,
               title=names.of(EVIDENCE, event.record_id) or _("a piece of evidence"))


def register_history() -> None:
    """Evidence's sentences and names (called once, from the blueprint)."""
    register_history_sentence(EVIDENCE, evidence, noun=_l("a piece of evidence"))
    register_history_sentence("evidence.downloaded", downloaded)
    register_history_names(EVIDENCE, evidence_titles)
