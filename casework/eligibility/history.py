"""How the audit trail tells the events of the eligibility workflow: review rounds started,
findings, recommendations, decisions and their delivery, appeals lodged and decided,
requests for information, the queue to reconsider, the criteria published
(casework.core.history).

The step of the case that goes with a recommendation, a decision or an appeal is told by
intake (the case moved, with the action's label); the records here tell what was decided
and why. A round's status follows from those records and is bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.core.bilingual import in_reader_language
from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    day_of,
    register_history_names,
    register_history_sentence,
    say,
)
from casework.eligibility.models import Criterion, Finding
from casework.eligibility.models.decisions import DECISION_OUTCOME_LABELS
from casework.eligibility.models.reviews import (
    ACTIVITY_KIND_LABELS,
    FINDING_LABELS,
    RECOMMENDATION_LABELS,
    REVIEW_REASON_LABELS,
)
from casework.extensions import db

CRITERIA, FINDINGS, EVIDENCE = "eligibility_criteria", "eligibility_findings", "evidence"
RECONSIDERATION_TRIGGERS = {
    "new_evidence": _l("new evidence arrived"),
    "assessment_changed": _l("the incident's official assessment changed"),
}


def _label(labels: dict, value: Any) -> Any:
    return labels.get(value, value) if value is not None else "—"


# -- names ---------------------------------------------------------------------------------

def criterion_titles(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(select(Criterion.id, Criterion.title_ar, Criterion.title_en)
                              .where(Criterion.id.in_(ids))).all()
    return {row.id: str(in_reader_language(row.title_ar, row.title_en) or "") for row in rows}


def finding_titles(ids: set[int]) -> dict[int, str]:
    """A finding by its criterion's title."""
    rows = db.session.execute(
        select(Finding.id, Criterion.title_ar, Criterion.title_en)
        .join(Criterion, Criterion.id == Finding.criterion_id)
        .where(Finding.id.in_(ids))).all()
    return {row.id: str(in_reader_language(row.title_ar, row.title_en) or "") for row in rows}


def _refers_to_criterion(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    criterion = event.value("criterion_id")
    return [(CRITERIA, criterion)] if criterion is not None else []


def _cited_evidence_id(event: HistoryEvent) -> Any:
    """The evidence of a citation row (its key is "<finding, activity or appeal>,evidence")."""
    evidence = event.value("evidence_id")
    if evidence is None and event.entity_id and "," in event.entity_id:
        evidence = event.entity_id.split(",")[1]
    return evidence


def _refers_to_evidence(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    evidence = _cited_evidence_id(event)
    return [(EVIDENCE, evidence)] if evidence is not None else []


# -- reviews, findings, activities --------------------------------------------------------

def review(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if event.created:
        return say(_("%(who)s started review round %(round)s (%(reason)s)"), who=event.who,
                   round=event.value("round") or "?",
                   reason=_label(REVIEW_REASON_LABELS, event.value("opened_because")))
    if event.sets("recommendation"):
        return say(_("%(who)s recommended a decision: %(recommendation)s"),
                   quote=event.new("recommendation_reasons"), who=event.who,
                   recommendation=_label(RECOMMENDATION_LABELS, event.new("recommendation")))
    return None


def finding(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    criterion = (names.of(CRITERIA, event.value("criterion_id")) if event.created else None) \
        or names.of(FINDINGS, event.record_id) or _("a criterion")
    if event.created:
        return say(_("%(who)s recorded the finding on “%(criterion)s”: %(value)s"),
                   quote=event.value("note"), who=event.who, criterion=criterion,
                   value=_label(FINDING_LABELS, event.value("value")))
    if "value" in event.changes:
        return say(_("%(who)s changed the finding on “%(criterion)s” from %(before)s to "
                     "%(after)s"), quote=event.new("note"), who=event.who, criterion=criterion,
                   before=_label(FINDING_LABELS, event.old("value")),
                   after=_label(FINDING_LABELS, event.new("value")))
    if "note" in event.changes:
        return say(_("%(who)s changed the note on the finding on “%(criterion)s”"),
                   quote=event.new("note"), who=event.who, criterion=criterion)
    return None


def activity(event: HistoryEvent, names: HistoryNames) -> Sentence:
    # The summary may name protected participants: it stays on the event's record.
    return say(_("%(who)s recorded a review activity: %(kind)s, %(day)s"), who=event.who,
               kind=_label(ACTIVITY_KIND_LABELS, event.value("kind")),
               day=day_of(event.value("occurred_on")))


def evidence_cited(event: HistoryEvent, names: HistoryNames) -> Sentence:
    title = names.of(EVIDENCE, _cited_evidence_id(event)) or _("a piece of evidence")
    if event.deleted:
        return say(_("%(who)s no longer cites the evidence “%(title)s”"), who=event.who,
                   title=title)
    return say(_("%(who)s cited the evidence “%(title)s”"), who=event.who, title=title)


# -- decisions, appeals, information requests ---------------------------------------------

def decision(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if event.created:
        return say(_("%(who)s decided: %(outcome)s"), quote=event.value("reasons"),
                   who=event.who, outcome=_label(DECISION_OUTCOME_LABELS, event.value("outcome")))
    if event.sets("delivered_on"):
        if event.new("appeal_due_on"):
            return say(_("%(who)s recorded that the decision was delivered to the family on "
                         "%(day)s (appeal possible until %(due)s)"), who=event.who,
                       day=day_of(event.new("delivered_on")), due=day_of(event.new("appeal_due_on")))
        return say(_("%(who)s recorded that the decision was delivered to the family on "
                     "%(day)s"), who=event.who, day=day_of(event.new("delivered_on")))
    return None


def information_request(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if not event.created:
        return None
    return say(_("%(who)s asked the family for more information"),
               quote=event.value("request_text"), who=event.who)


def appeal(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if event.created:
        return say(_("%(who)s recorded the family's appeal, lodged on %(day)s"),
                   quote=event.value("grounds"), who=event.who,
                   day=day_of(event.value("lodged_on")))
    outcome = event.new("outcome") if event.sets("outcome") else None
    if outcome == "upheld":
        return say(_("%(who)s upheld the appeal: the case is reviewed again"),
                   quote=event.new("outcome_reasons"), who=event.who)
    if outcome == "dismissed":
        return say(_("%(who)s dismissed the appeal: the case stays ineligible"),
                   quote=event.new("outcome_reasons"), who=event.who)
    return None


# -- reconsideration and criteria ---------------------------------------------------------

def reconsideration(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if event.created:
        return say(_("The case joined the queue to reconsider: %(why)s"),
                   why=_label(RECONSIDERATION_TRIGGERS, event.value("trigger")))
    if event.new("status") == "dismissed":
        return say(_("%(who)s decided not to reopen the case"),
                   quote=event.new("resolution_reason"), who=event.who)
    return None


def criteria_version(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if not event.created:
        return None
    return say(_("%(who)s published version %(number)s of the eligibility criteria"),
               quote=event.value("note"), who=event.who, number=event.value("number") or "?")


def criterion(event: HistoryEvent, names: HistoryNames) -> None:
    """Each criterion of a published version: the version's publication tells."""
    return None


def register_history() -> None:
    """Eligibility's sentences and names (called once, from the blueprint)."""
    register_history_sentence("eligibility_reviews", review, noun=_l("a review round"))
    register_history_sentence(FINDINGS, finding, refers=_refers_to_criterion,
                              noun=_l("a finding of a review"))
    register_history_sentence("review_activities", activity, noun=_l("a review activity"))
    for table in ("eligibility_finding_evidence", "review_activity_evidence",
                  "appeal_evidence"):
        register_history_sentence(table, evidence_cited, refers=_refers_to_evidence,
                                  noun=_l("evidence cited in the review"))
    register_history_sentence("eligibility_decisions", decision,
                              noun=_l("an eligibility decision"))
    register_history_sentence("information_requests", information_request,
                              noun=_l("a request for more information"))
    register_history_sentence("appeals", appeal, noun=_l("an appeal"))
    register_history_sentence("reconsideration_entries", reconsideration,
                              noun=_l("an entry of the queue to reconsider"))
    register_history_sentence("eligibility_criteria_versions", criteria_version,
                              noun=_l("a version of the eligibility criteria"))
    register_history_sentence(CRITERIA, criterion, noun=_l("an eligibility criterion"))
    register_history_names(CRITERIA, criterion_titles)
    register_history_names(FINDINGS, finding_titles)
