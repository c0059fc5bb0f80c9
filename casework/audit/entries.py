"""A page of audit events told as sentences: the entries of the log, a case's timeline and a
record's history.

Each event is told by the sentence its domain registered (casework.core.history), in the
reader's language, naming people by name and cases by reference. The names a page needs are
loaded before any sentence is written, in one query per kind (users with their office,
case references, then each registered kind), so a page costs the same number of statements
however many events it holds.

Two foldings keep a page readable without hiding anything:

- **Bookkeeping**: an event whose writer says another event of the same request tells it
  (the case's ``updated_at`` touched when a household member is added; the user's
  ``last_login_at`` at login) is folded under that event, whose "Changes" show its fields
  too. A request is its request id; outside a request (the command line, a job), the same
  actor. Without such a neighbour on the page, it gets its fallback sentence.
- **Reads** (opening a case, a download, an auditor's page): consecutive reads become one
  entry, "12 reads by 3 people", listed when opened; ``fold_reads=False`` lists them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext

from casework.audit.chain import REDACTED_PAYLOAD
from casework.audit.models import AuditEvent
from casework.audit.queries import (
    EventContent,
    Person,
    case_references,
    content_of,
    kind_of,
    people,
)
from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    fallback_sentence,
    load_names,
    references_of,
    tell,
)


@dataclass
class Told:
    """One event with its sentence, its kind (changes, reads, refusals, logins) and the
    person who acted; `folded`: bookkeeping events of its request told by this one."""

    event: AuditEvent
    sentence: Sentence | None
    kind: str | None
    person: Person | None
    folded: list[Told] = field(default_factory=list)
    # The event that tells this one, when it is bookkeeping folded under it.
    bookkeeping_of: Told | None = None

    is_run = False

    @property
    def request_key(self) -> tuple:
        event = self.event
        if event.request_id:
            return ("request", event.request_id)
        return ("actor", event.actor_kind, event.actor_id, event.actor_name, event.user_agent)

    @property
    def contents(self) -> list[tuple[Told, EventContent]]:
        """The field-level changes of this event and of those folded under it."""
        return [(told, content_of(told.event)) for told in (self, *self.folded)]

    @property
    def has_changes(self) -> bool:
        return any(content.changes or content.redacted_by for _told, content in self.contents)


@dataclass
class ReadRun:
    """Consecutive reads folded into one entry: "12 reads by 3 people"."""

    reads: list[Told]

    is_run = True

    @property
    def people_count(self) -> int:
        return len({(t.event.actor_kind, t.event.actor_id, t.event.actor_name)
                    for t in self.reads})

    @property
    def newest(self) -> datetime:
        return self.reads[0].event.occurred_at

    @property
    def oldest(self) -> datetime:
        return self.reads[-1].event.occurred_at

    @property
    def summary(self) -> str:
        reads = ngettext("%(num)d read", "%(num)d reads", len(self.reads))
        by = ngettext("%(num)d person", "%(num)d people", self.people_count)
        return _("%(reads)s by %(people)s", reads=reads, people=by)


def _payload(event: AuditEvent) -> tuple[dict, dict, bool]:
    if REDACTED_PAYLOAD.match(event.payload):
        return {}, {}, True
    payload = json.loads(event.payload)
    details = payload.get("details") or {
        key: value for key, value in payload.items() if key != "changes"}
    return payload.get("changes") or {}, details, False


def who_of(event: AuditEvent, person: Person | None) -> str:
    """The actor as a sentence names them."""
    if event.actor_kind == "user":
        return person.name if person else _("user %(number)s", number=event.actor_id)
    if event.actor_kind == "cli":
        if event.actor_name:
            return _("%(name)s at the command line", name=event.actor_name)
        return _("Someone at the command line")
    if event.actor_kind == "system":
        if event.actor_name:
            return _("The system, for %(name)s", name=event.actor_name)
        return _("The system")
    return _("Someone who was not logged in")


def history_event(event: AuditEvent, who: str = "") -> HistoryEvent:
    changes, details, redacted = _payload(event)
    return HistoryEvent(
        id=event.id, action=event.action, occurred_at=event.occurred_at, who=who,
        actor_id=event.actor_id if event.actor_kind == "user" else None,
        entity_type=event.entity_type, entity_id=event.entity_id, case_id=event.case_id,
        changes=changes, details=details, redacted=redacted,
    )


@dataclass
class ToldPage:
    """Events told, with the people and names the page loaded (for the actor column)."""

    told: list[Told]
    people: dict[int, Person]
    names: HistoryNames

    def by_id(self) -> dict[int, Told]:
        return {told.event.id: told for told in self.told}


def tell_events(events: list[AuditEvent],
                also_name: set[tuple[str, int]] | None = None) -> ToldPage:
    """Tell each event: one query for the users, one for the cases, one per other kind.
    `also_name`: other records the page names (the case in its title, the people of a
    filter), loaded in the same queries."""
    drafts = [history_event(event) for event in events]
    wanted: set[tuple[str, int]] = set(also_name or ())
    for draft in drafts:
        wanted |= references_of(draft)
    found = people({record_id for kind, record_id in wanted if kind == HistoryNames.USERS})
    names = load_names(wanted, builtin={
        HistoryNames.USERS: lambda ids: {i: found[i].name for i in ids if i in found},
        HistoryNames.CASES: case_references,
    })
    told = []
    for event, draft in zip(events, drafts, strict=True):
        person = found.get(event.actor_id) if event.actor_kind == "user" else None
        history = replace(draft, who=who_of(event, person))
        told.append(Told(event, tell(history, names), kind_of(event.action), person))
    _fold_bookkeeping(told)
    return ToldPage(told, found, names)


def _fold_bookkeeping(told: list[Told]) -> None:
    """Put each bookkeeping event under the nearest told event of its request on the page
    (the older side first: the change that caused it). Each also gets its fallback
    sentence, which it shows where it stands alone (no such neighbour; its own page)."""
    owners = {index: _owner(told, index) for index, item in enumerate(told)
              if item.sentence is None}
    for index, owner in owners.items():
        item = told[index]
        item.sentence = fallback_sentence(
            history_event(item.event, who_of(item.event, item.person)))
        if owner is not None:
            owner.folded.append(item)
            item.bookkeeping_of = owner


def _owner(told: list[Told], index: int) -> Told | None:
    key = told[index].request_key
    for step in (1, -1):
        position = index + step
        while 0 <= position < len(told) and told[position].request_key == key:
            if told[position].sentence is not None:
                return told[position]
            position += step
    return None


def entries(page: ToldPage, fold_reads: bool = True) -> list[Told | ReadRun]:
    """The page's entries in order: bookkeeping folded, runs of reads folded when asked."""
    shown: list[Told | ReadRun] = []
    folded_ids = {id(item) for told in page.told for item in told.folded}
    run: list[Told] = []

    def close_run() -> None:
        if len(run) > 1:
            shown.append(ReadRun(list(run)))
        else:
            shown.extend(run)
        run.clear()

    for told in page.told:
        if id(told) in folded_ids:
            continue
        if fold_reads and told.kind == "reads":
            run.append(told)
            continue
        close_run()
        shown.append(told)
    close_run()
    return shown
