"""How the audit trail tells the events about duplicate claims: two cases merged, linked as
claiming for the same victim, found not to be duplicates, flagged for a supervisor
(casework.core.history). Both cases are named by their references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    register_history_sentence,
    say,
)


def _refers_to_both_cases(event: HistoryEvent) -> Iterable[tuple[str, Any]]:
    return [(HistoryNames.CASES, event.value(column)) for column in ("case_id", "other_case_id")
            if event.value(column) is not None]


def _pair(event: HistoryEvent, names: HistoryNames) -> dict[str, Any]:
    return {"who": event.who, "case": names.case(event.value("case_id")),
            "other": names.case(event.value("other_case_id"))}


def decision(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if not event.created:
        return None
    outcome, reason = event.value("outcome"), event.value("reason")
    if outcome == "merged":
        return say(_("%(who)s merged cases %(case)s and %(other)s: the same household "
                     "registered twice"), quote=reason, **_pair(event, names))
    if outcome == "same_victim":
        return say(_("%(who)s recorded that cases %(case)s and %(other)s claim for the same "
                     "victim"), quote=reason, **_pair(event, names))
    return say(_("%(who)s decided that cases %(case)s and %(other)s are not duplicates"),
               quote=reason, **_pair(event, names))


def flag(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    if not event.created:
        return None
    return say(_("%(who)s flagged cases %(case)s and %(other)s for a supervisor as possible "
                 "duplicates"), quote=event.value("note"), **_pair(event, names))


def victim(event: HistoryEvent, names: HistoryNames) -> None:
    """A victim row is written with a "same victim" decision, which tells."""
    return None


def register_history() -> None:
    """Duplicates' sentences (called once, from the blueprint)."""
    register_history_sentence("duplicate_decisions", decision, refers=_refers_to_both_cases,
                              noun=_l("a decision on possible duplicates"))
    register_history_sentence("duplicate_flags", flag, refers=_refers_to_both_cases,
                              noun=_l("a flag for a supervisor on two cases"))
    register_history_sentence("victims", victim, noun=_l("a victim claimed by two cases"))
