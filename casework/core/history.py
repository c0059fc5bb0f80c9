"""History sentences: each kind of audit event told as a sentence in the reader's language.

The audit trail records writes by table and column (``update cases:20``, ``create
acknowledgement_facts:36``) and facts by a code (``auth.login``); a person reads "Layla Haddad
assigned the case to Omar Khalil". Core keeps the registry; each domain registers, from its
own package, how to tell the events about the records it owns (by table name) and the events
it emits (by action), and how to name its records; the audit trail reads the registry and
names no domain (registration instead of lists, docs/architecture.md).

A domain registers once, at import (its ``history.py``, imported from its ``blueprint.py``)::

    register_history_sentence("persons", person_sentence, noun=_l("a household member"))
    register_history_names("persons", person_names)

- A **writer** ``write(event, names) -> Sentence | None`` tells one event (a
  :class:`HistoryEvent`). ``names`` (:class:`HistoryNames`) names the users, cases and
  records it mentions: the audit trail loads them for a whole page before any sentence is
  written, one query per kind, so a writer never queries. The event's actor, its case,
  its own record (when its table has a names loader) are loaded for every writer; a writer
  that mentions other records declares them with ``refers(event) -> [(kind, id), ...]``.
- A writer returns **None** for bookkeeping that another event of the same request tells
  (the case's ``updated_at`` touched when a household member is added; a user's
  ``last_login_at`` when they log in): the pages fold it under that event, where its
  field-level changes stay one click away.
- A **names loader** ``load(ids) -> {id: name}`` names the records of one kind (a household
  member's name, an evidence file's title) in one query.
- Anything without a writer still reads as a sentence: "Someone changed a household member",
  from the noun the owning domain registered (:func:`register_record_noun`), else "a record"
  (:func:`fallback_sentence`). A raw code (``update cases:20``) is never a sentence; the
  auditors' event page keeps the raw record.

Sentences hold the actor (``event.who``, named by the audit trail) and data values (names,
references, titles) isolated in ``<bdi>`` (casework.core.bidi), and what someone typed
(a reason, the grounds of an appeal) apart, as the sentence's ``quote``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from casework.core.bidi import isolated
from casework.core.dates import date_text
from casework.core.i18n import join_list

log = logging.getLogger(__name__)

# Captured writes are told by their table; every other event by its action.
WRITE_ACTIONS = frozenset({"create", "update", "delete"})
BULK_PREFIX = "bulk_"


@dataclass(frozen=True)
class Sentence:
    """One event told: the sentence (safe HTML, values isolated) and what someone typed."""

    text: Markup
    quote: str | None = None


def say(message: str, quote: str | None = None, **values: Any) -> Sentence:
    """A sentence from a translated message and its values: ``say(_("%(who)s opened case
    %(reference)s"), who=event.who, reference=names.case(event.case_id))``. Data values
    are isolated; labels already in the reader's language (lazy strings) are not."""
    return Sentence(isolated(message, **values), quote or None)


@dataclass(frozen=True)
class HistoryEvent:
    """An audit event as a writer reads it: what happened to which record, who did it (as
    people call them), and the recorded values (none when the payload was redacted)."""

    id: int
    action: str
    occurred_at: datetime
    who: str
    actor_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    case_id: int | None = None
    # Column -> {"old": ..., "new": ...} (either may be absent; {"secret": True} for secrets).
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    redacted: bool = False

    @property
    def key(self) -> str:
        """What the event is registered under: its table for a write, else its action."""
        if self.action in WRITE_ACTIONS or self.action.startswith(BULK_PREFIX):
            return self.entity_type or self.action
        return self.action

    @property
    def created(self) -> bool:
        return self.action == "create"

    @property
    def updated(self) -> bool:
        return self.action == "update"

    @property
    def deleted(self) -> bool:
        return self.action == "delete"

    @property
    def record_id(self) -> int | None:
        """The record's id as a number (None for composite keys such as link rows)."""
        return int(self.entity_id) if self.entity_id and self.entity_id.isdigit() else None

    @property
    def changed(self) -> frozenset[str]:
        """The columns this event recorded a value (or a secret) for."""
        return frozenset(self.changes)

    def changed_only(self, columns: Iterable[str]) -> bool:
        """Whether every column the event changed is one of these (bookkeeping)."""
        return self.changed <= frozenset(columns)

    def new(self, column: str, default: Any = None) -> Any:
        return self.changes.get(column, {}).get("new", default)

    def old(self, column: str, default: Any = None) -> Any:
        return self.changes.get(column, {}).get("old", default)

    def value(self, column: str, default: Any = None) -> Any:
        """The new value when there is one, else the old one (a deleted row's values)."""
        change = self.changes.get(column, {})
        return change.get("new", change.get("old", default))

    def sets(self, column: str) -> bool:
        """Whether the event gives the column a value it did not have (e.g. a delivery date)."""
        change = self.changes.get(column)
        return bool(change) and change.get("new") is not None and change.get("old") is None


class HistoryNames:
    """Names for the users, cases and records a page of events mentions, loaded beforehand."""

    USERS = "users"
    CASES = "cases"

    def __init__(self, names: Mapping[tuple[str, int], str] | None = None):
        self._names = dict(names or {})

    def of(self, kind: str, record_id: Any) -> str | None:
        """The name of a record of that kind (a person's name, an evidence title), if known."""
        try:
            return self._names.get((kind, int(record_id)))
        except (TypeError, ValueError):
            return None

    def user(self, user_id: Any) -> str:
        """A user as people call them; a number only if the account is gone."""
        name = self.of(self.USERS, user_id)
        return name if name else _("user %(number)s", number=user_id)

    def case(self, case_id: Any) -> str:
        """A case by its reference (RQA-2026-000014), never by its internal id."""
        reference = self.of(self.CASES, case_id)
        return reference if reference else _("a case no longer on file")


Writer = Callable[[HistoryEvent, HistoryNames], Sentence | None]
Refers = Callable[[HistoryEvent], Iterable[tuple[str, Any]]]
NamesLoader = Callable[[set[int]], Mapping[int, str]]


@dataclass(frozen=True)
class HistorySentence:
    key: str
    write: Writer
    refers: Refers | None = None


HISTORY_SENTENCES: dict[str, HistorySentence] = {}
HISTORY_NAMES: dict[str, NamesLoader] = {}
RECORD_NOUNS: dict[str, Any] = {}


def register_history_sentence(key: str, write: Writer, *, refers: Refers | None = None,
                              noun: Any = None) -> None:
    """Tell the events about a table (``"persons"``) or of an action (``"auth.login"``);
    `noun` ("a household member") names a record of that table in the fallback sentence."""
    HISTORY_SENTENCES[key] = HistorySentence(key, write, refers)
    if noun is not None:
        register_record_noun(key, noun)


def register_record_noun(table: str, noun: Any) -> None:
    """How the fallback sentence names a record of the table: "a household member"."""
    RECORD_NOUNS[table] = noun


def register_history_names(kind: str, load: NamesLoader) -> None:
    """Name records of a kind (a table) for sentences: ``load(ids) -> {id: name}``."""
    HISTORY_NAMES[kind] = load


def references_of(event: HistoryEvent) -> set[tuple[str, int]]:
    """The records a page must name before telling this event."""
    wanted: set[tuple[str, Any]] = set()
    if event.actor_id is not None:
        wanted.add((HistoryNames.USERS, event.actor_id))
    if event.case_id is not None:
        wanted.add((HistoryNames.CASES, event.case_id))
    if event.entity_type is not None and event.record_id is not None and (
            event.entity_type in HISTORY_NAMES or event.entity_type in (
                HistoryNames.USERS, HistoryNames.CASES)):
        wanted.add((event.entity_type, event.record_id))
    registered = HISTORY_SENTENCES.get(event.key)
    if registered is not None and registered.refers is not None:
        try:
            wanted.update(registered.refers(event))
        except Exception:  # noqa: BLE001  (a sentence must never break a page of the trail)
            log.exception("history: cannot tell what event %s refers to", event.id)
    found = set()
    for kind, record_id in wanted:
        try:
            found.add((kind, int(record_id)))
        except (TypeError, ValueError):
            continue
    return found


def load_names(wanted: Iterable[tuple[str, int]],
               builtin: Mapping[str, NamesLoader] | None = None) -> HistoryNames:
    """Load the names of every wanted record: one query per kind, by the kind's loader."""
    by_kind: dict[str, set[int]] = {}
    for kind, record_id in wanted:
        by_kind.setdefault(kind, set()).add(record_id)
    loaders = {**HISTORY_NAMES, **(builtin or {})}
    names: dict[tuple[str, int], str] = {}
    for kind, ids in sorted(by_kind.items()):
        load = loaders.get(kind)
        if load is None or not ids:
            continue
        names.update({(kind, int(record_id)): name for record_id, name in load(ids).items()
                      if name})
    return HistoryNames(names)


def fallback_sentence(event: HistoryEvent) -> Sentence:
    """A readable sentence for an event no domain tells: "Someone changed a household member"."""
    thing = RECORD_NOUNS.get(event.entity_type or "") or _("a record")
    if event.action == "create":
        return say(_("%(who)s added %(thing)s"), who=event.who, thing=thing)
    if event.action == "update":
        return say(_("%(who)s changed %(thing)s"), who=event.who, thing=thing)
    if event.action == "delete":
        return say(_("%(who)s removed %(thing)s"), who=event.who, thing=thing)
    if event.action.startswith(BULK_PREFIX):
        return say(_("%(who)s changed several records at once (%(thing)s)"), who=event.who,
                   thing=thing)
    return say(_("%(who)s did something this page cannot describe yet: its details are on "
                 "the event's record"), who=event.who)


def tell(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    """The event's sentence; None for bookkeeping another event of its request tells."""
    registered = HISTORY_SENTENCES.get(event.key)
    if registered is None:
        return fallback_sentence(event)
    try:
        return registered.write(event, names)
    except Exception:  # noqa: BLE001  (a sentence must never break a page of the trail)
        log.exception("history: cannot tell event %s (%s)", event.id, event.key)
        return fallback_sentence(event)


def day_of(value: Any) -> str:
    """A recorded day (ISO text in the trail, or a date) as people write it: "2 Dec 2026"."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return date_text(value) if isinstance(value, date) else "—"


def changed_fields(event: HistoryEvent, labels: Mapping[str, Any]) -> str | None:
    """The labels of the columns the event changed that people know ("Phone, Address"), in
    the reader's list punctuation; None when it changed none of them."""
    shown = [labels[name] for name in labels if name in event.changes]
    return join_list(shown) if shown else None
