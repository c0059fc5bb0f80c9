"""Reading the audit trail: the filtered log, one event's diff, a case's timeline, a
record's history, the names a page of events mentions, the last verification, CSV rows.

Every list is ordered by sequence number (newest first) and paged by the last
number seen, never by OFFSET. Each filter has an index ending in `id`, so a page
is one short index range scan however long the trail grows. A date range is
turned into a range of sequence numbers first: times never decrease along the
chain (see `chain.append`), so the first event at or after a moment is one probe
of the (occurred_at, id) index.

Names are read in one query per kind for a whole page (the users acting, the cases by
reference): the trail reads the accounts, offices and cases tables as tables, so that it
imports no domain; every other kind of record is named by the loader its domain registered
(casework.core.history).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, Select, false, select

from casework.audit.chain import REDACTED_PAYLOAD
from casework.audit.models import AuditEvent
from casework.core.pagination import DEFAULT_PAGE_SIZE, Page, page_by_id
from casework.extensions import db

ACTOR_KINDS = ("user", "anonymous", "cli", "system")

# The kinds of event a reader filters by. Writes are captured by table (create, update,
# delete, bulk_*); the other actions are the audit trail's own (casework.audit.listeners,
# operations, controllers).
CHANGE_ACTIONS = ("create", "update", "delete", "bulk_insert", "bulk_update", "bulk_delete",
                  "users.role_or_office_changed", "users.deactivated", "audit.redacted")
READ_ACTIONS = ("case.opened", "evidence.downloaded", "letter.downloaded", "export.made",
                "audit.log_viewed", "audit.event_viewed", "audit.case_timeline_viewed",
                "audit.verified")
REFUSAL_ACTIONS = ("access.denied",)
LOGIN_ACTIONS = ("auth.login", "auth.logout", "auth.login_failed", "auth.session_expired",
                 "auth.password_changed", "auth.totp_enrolled")
EVENT_KINDS = {"changes": CHANGE_ACTIONS, "reads": READ_ACTIONS, "refusals": REFUSAL_ACTIONS,
               "logins": LOGIN_ACTIONS}
VERIFICATION_ACTION = "audit.verified"


def kind_of(action: str) -> str | None:
    """Which of the readers' kinds an action is (None: none of them, e.g. a test's own)."""
    for kind, actions in EVENT_KINDS.items():
        if action in actions:
            return kind
    return None


@dataclass
class LogFilter:
    actor_id: int | None = None
    actor_kind: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    case_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: (value.isoformat() if isinstance(value, date) else value)
                for key, value in self.__dict__.items() if value not in (None, "")}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def first_id_at_or_after(moment: datetime) -> int | None:
    return db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.occurred_at >= moment)
        .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(1)
    )


def filtered(criteria: LogFilter) -> Select:
    statement = select(AuditEvent)
    if criteria.actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == criteria.actor_id)
    if criteria.actor_kind:
        statement = statement.where(AuditEvent.actor_kind == criteria.actor_kind)
    if criteria.action:
        statement = statement.where(AuditEvent.action == criteria.action)
    if criteria.entity_type:
        statement = statement.where(AuditEvent.entity_type == criteria.entity_type)
        if criteria.entity_id:
            statement = statement.where(AuditEvent.entity_id == criteria.entity_id)
    if criteria.case_id is not None:
        statement = statement.where(AuditEvent.case_id == criteria.case_id)
    if criteria.kind in EVENT_KINDS:
        statement = statement.where(AuditEvent.action.in_(EVENT_KINDS[criteria.kind]))
    if criteria.date_from is not None:
        lowest = first_id_at_or_after(_start_of(criteria.date_from))
        statement = statement.where(AuditEvent.id >= lowest if lowest else false())
    if criteria.date_to is not None:
        beyond = first_id_at_or_after(_start_of(criteria.date_to + timedelta(days=1)))
        if beyond is not None:
            statement = statement.where(AuditEvent.id < beyond)
    return statement


def log_page(criteria: LogFilter, after: int | None, size: int = DEFAULT_PAGE_SIZE) -> Page:
    return page_by_id(filtered(criteria), AuditEvent.id, after, size)


def case_timeline(case_id: int, after: int | None = None, size: int = DEFAULT_PAGE_SIZE, *,
                  kind: str | None = None, actor_id: int | None = None) -> Page:
    """A case's events, newest first (for the case page and the timeline page), of one kind
    and by one person when asked."""
    statement = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if kind in EVENT_KINDS:
        statement = statement.where(AuditEvent.action.in_(EVENT_KINDS[kind]))
    if actor_id is not None:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    return page_by_id(statement, AuditEvent.id, after, size)


def case_actor_ids(case_id: int) -> list[int]:
    """The users who did anything on the case (the timeline's filter by person)."""
    return list(db.session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.case_id == case_id,
                                          AuditEvent.actor_id.is_not(None)).distinct()))


def record_history(entity_type: str, entity_id: str, related: tuple[str, ...],
                   after: int | None = None, size: int = 20) -> tuple[Page, list[AuditEvent]]:
    """The changes of one record, newest first, and the changes to its related records
    (`related`: their tables) made in the same requests: an incident and its parties.

    The page is one range of the (entity_type, entity_id, id) index; the related changes
    one look-up of the (request_id, id) index for the page's requests.
    """
    page = page_by_id(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                 AuditEvent.entity_id == entity_id,
                                 AuditEvent.action.in_(CHANGE_ACTIONS)),
        AuditEvent.id, after, size)
    requests = {event.request_id for event in page.items if event.request_id}
    siblings: list[AuditEvent] = []
    if requests and related:
        siblings = list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id.in_(requests),
                                     AuditEvent.entity_type.in_(related),
                                     AuditEvent.action.in_(CHANGE_ACTIONS))))
    return page, siblings


def request_events(event: AuditEvent, limit: int = 50) -> list[AuditEvent]:
    """The other events of the event's request (the (request_id, id) index), in order."""
    if not event.request_id:
        return []
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == event.request_id,
                                 AuditEvent.id != event.id)
        .order_by(AuditEvent.id).limit(limit)))


def last_verification() -> AuditEvent | None:
    """The newest run of `audit verify` (or of the verification from a page)."""
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == VERIFICATION_ACTION)
                             .order_by(AuditEvent.id.desc()).limit(1))


def case_office_id(case_id: int) -> int | None:
    """The office a case belongs to now; else the office its latest event recorded."""
    cases = db.metadata.tables.get("cases")
    if cases is not None and "office_id" in cases.c:
        office_id = db.session.scalar(select(cases.c.office_id).where(cases.c.id == case_id))
        if office_id is not None:
            return office_id
    return db.session.scalar(
        select(AuditEvent.office_id)
        .where(AuditEvent.case_id == case_id, AuditEvent.office_id.is_not(None))
        .order_by(AuditEvent.id.desc()).limit(1)
    )


def case_has_events(case_id: int) -> bool:
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.case_id == case_id)
                             .limit(1)) is not None


def accounts() -> Any:
    """The accounts table, read as a table: the trail names who acted without importing
    the accounts domain (the audit trail listens to the domains; it depends on none)."""
    return db.metadata.tables["users"]


@dataclass(frozen=True)
class Person:
    """A user as the trail shows them: name, email, and the code of their office now."""

    id: int
    name: str
    email: str
    office: str | None = None


def people(user_ids: set[int]) -> dict[int, Person]:
    """The users with these ids, with their office's code, in one query."""
    if not user_ids:
        return {}
    users, offices = accounts(), db.metadata.tables["offices"]
    rows = db.session.execute(
        select(users.c.id, users.c.name, users.c.email, offices.c.code)
        .select_from(users.outerjoin(offices, offices.c.id == users.c.office_id))
        .where(users.c.id.in_(user_ids))).all()
    return {row.id: Person(row.id, row.name or row.email, row.email, row.code) for row in rows}


def case_references(case_ids: set[int]) -> dict[int, str]:
    """Cases' references (RQA-2026-000014) by id, in one query."""
    cases = db.metadata.tables.get("cases")
    if not case_ids or cases is None:
        return {}
    return dict(db.session.execute(select(cases.c.id, cases.c.reference)
                                   .where(cases.c.id.in_(case_ids))).all())


def case_id_by_reference(reference: str) -> int | None:
    cases = db.metadata.tables.get("cases")
    if cases is None:
        return None
    return db.session.scalar(select(cases.c.id).where(
        cases.c.reference == reference.strip().upper()))


def user_id_by_email(email: str) -> int | None:
    users = accounts()
    return db.session.scalar(select(users.c.id).where(users.c.email == email.strip().lower()))


@dataclass
class FieldChange:
    name: str
    old: Any = None
    new: Any = None
    had_old: bool = False
    had_new: bool = False
    secret: bool = False


@dataclass
class EventContent:
    redacted_by: int | None = None
    changes: list[FieldChange] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def content_of(event: AuditEvent) -> EventContent:
    """The event's payload as a before/after diff and details."""
    marker = REDACTED_PAYLOAD.match(event.payload)
    if marker:
        return EventContent(redacted_by=int(marker.group(1)))
    payload = json.loads(event.payload)
    changes = []
    for name, change in sorted(payload.get("changes", {}).items()):
        if change.get("secret"):
            changes.append(FieldChange(name, secret=True))
        else:
            changes.append(FieldChange(name, change.get("old"), change.get("new"),
                                       "old" in change, "new" in change))
    details = payload.get("details") or {
        key: value for key, value in payload.items() if key != "changes"
    }
    return EventContent(changes=changes, details=details)


def raw_record(event: AuditEvent) -> tuple[list[tuple[str, Any]], str]:
    """The event's stored columns as they are, and its payload as indented JSON (for
    auditors, beside the sentence and the table of changes)."""
    columns = [(column.name, getattr(event, column.key)) for column in AuditEvent.__table__.columns
               if column.name != "payload"]
    try:
        payload = json.dumps(json.loads(event.payload), indent=2, ensure_ascii=False,
                             sort_keys=True)
    except ValueError:
        payload = event.payload
    return columns, payload


def neighbours(event_id: int) -> tuple[int | None, int | None]:
    before = db.session.scalar(select(AuditEvent.id).where(AuditEvent.id < event_id)
                               .order_by(AuditEvent.id.desc()).limit(1))
    after = db.session.scalar(select(AuditEvent.id).where(AuditEvent.id > event_id)
                              .order_by(AuditEvent.id).limit(1))
    return before, after


# -- CSV export ---------------------------------------------------------------------------

CSV_COLUMNS = (
    "id", "occurred_at", "actor_kind", "actor_id", "actor_email", "actor_role", "remote_addr",
    "user_agent", "request_id", "action", "entity_type", "entity_id", "case_id", "office_id",
    "payload", "payload_digest", "prev_hash", "hash",
)
# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a cell inert in spreadsheets: text that could start a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_bound(criteria: LogFilter, limit: int) -> tuple[int | None, int]:
    """The newest event to export and the number of rows: a fixed set, however the log grows."""
    upto = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    if upto is None:
        return None, 0
    ids = filtered(criteria).with_only_columns(AuditEvent.id).where(AuditEvent.id <= upto)
    count = db.session.scalar(select(db.func.count()).select_from(
        ids.order_by(AuditEvent.id.desc()).limit(limit).subquery()
    ))
    return upto, count


def export_statement(criteria: LogFilter, upto: int, limit: int) -> Select:
    """The rows to export (plain columns), newest first; built while the request is alive."""
    return (filtered(criteria).with_only_columns(*AuditEvent.__table__.columns)
            .where(AuditEvent.id <= upto).order_by(AuditEvent.id.desc()).limit(limit))


def export_rows(engine: Engine, statement: Select) -> Iterator[list[Any]]:
    """The header, then each row, neutralised; reads on its own connection as it streams.

    The connection is opened on the first row asked for, so the response holds no
    request context and no connection until the body is actually sent.
    """
    yield list(CSV_COLUMNS)
    users = accounts()
    emails: dict[int, str] = {}
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=1000).execute(
            statement)
        for batch in result.mappings().partitions():
            wanted = {row["actor_id"] for row in batch} - emails.keys() - {None}
            if wanted:
                emails.update(connection.execute(
                    select(users.c.id, users.c.email).where(users.c.id.in_(wanted))).all())
            for row in batch:
                values = dict(row)
                values["occurred_at"] = row["occurred_at"].isoformat()
                values["actor_email"] = emails.get(row["actor_id"])
                yield [neutralise(values[name]) for name in CSV_COLUMNS]
