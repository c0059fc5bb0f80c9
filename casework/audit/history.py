"""The audit trail's own events told as sentences: auditors' reads, exports, verifications,
redactions and refusals (casework.core.history).

The trail records these itself (listeners, operations, controllers), so it registers their
sentences itself; the domains register theirs. A refusal names what was asked in plain
words, from the action the route declared (casework.core.authz).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.audit.chain import REDACTION_ACTION
from casework.audit.queries import VERIFICATION_ACTION
from casework.core.authz import Action
from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    register_history_sentence,
    register_record_noun,
    say,
)

# What a refused request asked for, in a few words.
ACTION_LABELS = {
    Action.view_home: _l("a home page"),
    Action.manage_own_account: _l("their own account"),
    Action.manage_offices: _l("managing offices"),
    Action.manage_users: _l("managing users"),
    Action.view_case: _l("reading a case"),
    Action.create_case: _l("opening a case"),
    Action.edit_case: _l("editing a case"),
    Action.transition_case: _l("moving a case to another stage"),
    Action.assign_case: _l("assigning a case"),
    Action.view_incident: _l("reading an incident"),
    Action.manage_incident: _l("editing an incident"),
    Action.assess_incident: _l("recording an incident's official assessment"),
    Action.import_cases: _l("importing cases"),
    Action.upload_evidence: _l("uploading evidence"),
    Action.download_evidence: _l("downloading evidence"),
    Action.withdraw_evidence: _l("withdrawing evidence"),
    Action.search_cases: _l("searching cases"),
    Action.view_duplicates: _l("reading possible duplicates"),
    Action.decide_duplicate: _l("deciding on possible duplicates"),
    Action.manage_eligibility_criteria: _l("editing the eligibility criteria"),
    Action.review_eligibility: _l("reviewing eligibility"),
    Action.decide_eligibility: _l("deciding eligibility"),
    Action.record_decision_delivery: _l("recording a decision's delivery"),
    Action.record_appeal: _l("recording an appeal"),
    Action.decide_appeal: _l("deciding an appeal"),
    Action.view_work_queues: _l("reading the supervisors' queues"),
    Action.reconsider_case: _l("reconsidering a case"),
    Action.view_audit_log: _l("reading the audit log"),
    Action.export_audit_log: _l("exporting the audit log"),
    Action.view_case_timeline: _l("reading a case's history"),
    Action.view_acknowledgement: _l("reading an acknowledgement"),
    Action.record_acknowledgement: _l("recording an acknowledgement"),
    Action.record_apology_delivery: _l("recording an apology's delivery"),
    Action.record_family_response: _l("recording a family's response"),
}


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value or 0)


def refusal(event: HistoryEvent, names: HistoryNames) -> Sentence:
    asked = ACTION_LABELS.get(event.details.get("action") or "")
    if event.case_id is not None:
        return say(_("%(who)s was refused %(what)s on case %(reference)s"), who=event.who,
                   what=asked or _("a page"), reference=names.case(event.case_id))
    return say(_("%(who)s was refused %(what)s"), who=event.who, what=asked or _("a page"))


def log_read(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s read the audit log"), who=event.who)


def event_read(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s opened audit event %(number)s"), who=event.who,
               number=event.entity_id or "?")


def timeline_read(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s read the history of case %(reference)s"), who=event.who,
               reference=names.case(event.case_id))


def export(event: HistoryEvent, names: HistoryNames) -> Sentence:
    count = _number(event.details.get("row_count"))
    if event.details.get("kind") == "audit_log":
        return say(_("%(who)s exported %(count)s events of the audit log"), who=event.who,
                   count=count)
    return say(_("%(who)s exported %(count)s rows"), who=event.who, count=count)


def verification(event: HistoryEvent, names: HistoryNames) -> Sentence:
    details = event.details
    if details.get("result") == "ok" and details.get("checkpoint"):
        return say(_("%(who)s verified the audit trail: intact, %(count)s events, as the "
                     "latest signed checkpoint confirms"),
                   who=event.who, count=_number(details.get("count")))
    if details.get("result") == "ok":
        return say(_("%(who)s verified the audit trail: intact, %(count)s events"),
                   who=event.who, count=_number(details.get("count")))
    if details.get("result") == "broken":
        return say(_("%(who)s verified the audit trail: broken at event %(number)s"),
                   quote=details.get("problem"), who=event.who,
                   number=details.get("broken_at") or "?")
    return say(_("%(who)s verified the audit trail"), who=event.who)


def redaction(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s removed the personal data of %(count)s older events under the "
                 "retention policy"), who=event.who,
               count=_number(event.details.get("redacted_count")))


def register_history() -> None:
    """The sentences of the trail's own events (called once, from the blueprint)."""
    register_history_sentence("access.denied", refusal)
    register_history_sentence("audit.log_viewed", log_read)
    register_history_sentence("audit.event_viewed", event_read)
    register_history_sentence("audit.case_timeline_viewed", timeline_read)
    register_history_sentence("export.made", export)
    register_history_sentence(VERIFICATION_ACTION, verification)
    register_history_sentence(REDACTION_ACTION, redaction)
    register_record_noun("audit_events", _l("an audit event"))
