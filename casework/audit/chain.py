"""The hash chain: canonical encoding, appending under a lock, verifying in one pass.

Each event's hash is SHA-256 over the canonical JSON (sorted keys, no spaces,
UTF-8) of its columns, `prev_hash` included. The payload enters the hash only
through `payload_digest` (SHA-256 of the stored payload text), so a retention
job may later replace the payload by a redaction marker and the chain still
verifies; the marker names the audit event that recorded the redaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

# The C string encoder that json.dumps(ensure_ascii=False) uses: the verification fast path.
from json.encoder import encode_basestring as json_encode_string
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, text

from casework.audit.models import AuditEvent
from casework.core.models import utcnow

GENESIS_HASH = "0" * 64
# Any 64-bit number unique to this purpose: the key of the PostgreSQL advisory lock.
APPEND_LOCK_KEY = 0x4341_5345_4155_4454  # "CASEAUDT"
REDACTED_PAYLOAD = re.compile(r'^\{"__redacted__":([0-9]+)\}$')
REDACTION_ACTION = "audit.redacted"

audit_events = AuditEvent.__table__

# The columns covered by an event's hash (the payload through its digest).
HASHED_COLUMNS = (
    "id", "occurred_at", "actor_kind", "actor_id", "actor_name", "actor_role", "remote_addr",
    "user_agent", "request_id", "action", "entity_type", "entity_id", "case_id", "office_id",
    "payload_digest", "prev_hash",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_hex(text_value: str) -> str:
    return hashlib.sha256(text_value.encode("utf-8")).hexdigest()


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_value(value: Any) -> Any:
    """A value as it is stored in a payload: JSON types only, deterministic."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, datetime):
        return canonical_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_value(item) for item in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    return str(value)


def redaction_marker(redaction_event_id: int) -> str:
    return canonical_json({"__redacted__": redaction_event_id})


def event_hash(row: dict[str, Any]) -> str:
    fields = {name: row[name] for name in HASHED_COLUMNS}
    fields["occurred_at"] = canonical_time(row["occurred_at"])
    return sha256_hex(canonical_json(fields))


@dataclass
class NewEvent:
    """An event waiting for its place in the chain (sequence number, time, hashes)."""

    action: str
    actor_kind: str
    actor_id: int | None = None
    actor_name: str | None = None
    actor_role: str | None = None
    remote_addr: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    case_id: int | None = None
    office_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def chained(self, sequence_number: int, occurred_at: datetime, prev_hash: str) -> dict:
        payload = canonical_json(json_value(self.payload))
        row = {
            "id": sequence_number,
            "occurred_at": occurred_at,
            "actor_kind": _clip(self.actor_kind, 16),
            "actor_id": self.actor_id,
            "actor_name": _clip(self.actor_name, 254),
            "actor_role": _clip(self.actor_role, 20),
            "remote_addr": _clip(self.remote_addr, 45),
            "user_agent": _clip(self.user_agent, 512),
            "request_id": _clip(self.request_id, 64),
            "action": _clip(self.action, 64),
            "entity_type": _clip(self.entity_type, 64),
            "entity_id": _clip(self.entity_id, 64),
            "case_id": self.case_id,
            "office_id": self.office_id,
            "payload": payload,
            "payload_digest": sha256_hex(payload),
            "prev_hash": prev_hash,
        }
        row["hash"] = event_hash(row)
        return row


def _clip(value: str | None, length: int) -> str | None:
    """Fit a text column; NUL, which PostgreSQL text refuses, becomes U+FFFD."""
    return value.replace("\x00", "\ufffd")[:length] if value is not None else None


@dataclass(frozen=True)
class Head:
    id: int
    hash: str
    occurred_at: datetime | None


def lock_chain(connection: Connection) -> None:
    """Hold the chain's append lock until the end of the connection's transaction.

    PostgreSQL: a transaction-level advisory lock. SQLite: a write that touches no
    row, which takes the database write lock (our BEGIN is deferred, so without it
    the head could be read before the lock is held).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
    elif dialect == "sqlite":
        connection.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def read_head(connection: Connection) -> Head:
    row = connection.execute(
        select(audit_events.c.id, audit_events.c.hash, audit_events.c.occurred_at)
        .order_by(audit_events.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return Head(0, GENESIS_HASH, None)
    return Head(row.id, row.hash, row.occurred_at)


def append(connection: Connection, events: Iterable[NewEvent]) -> list[int]:
    """Chain the events after the current head and insert them; returns their ids.

    Times never go backwards along the chain (a clock set back, or another server's
    clock, is clamped to the head's time), so a date range is also an id range.
    """
    events = list(events)
    if not events:
        return []
    lock_chain(connection)
    head = read_head(connection)
    now = utcnow()
    if head.occurred_at is not None and head.occurred_at > now:
        now = head.occurred_at
    rows = []
    sequence_number, prev_hash = head.id, head.hash
    for event in events:
        sequence_number += 1
        row = event.chained(sequence_number, now, prev_hash)
        prev_hash = row["hash"]
        rows.append(row)
    connection.execute(insert(audit_events), rows)
    return [row["id"] for row in rows]


@dataclass
class Verification:
    count: int
    head: Head
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def report(self) -> str:
        if self.ok:
            return f"OK {self.count} events, head {self.head.id} {self.head.hash}"
        return f"BROKEN at event {self.broken_at}: {self.problem}"


VERIFY_COLUMNS = (*HASHED_COLUMNS, "payload", "hash")
VERIFY_BATCH = 10_000
# The canonical JSON of the hashed columns (keys sorted), filled in by `fast_event_hash`.
CANONICAL_TEMPLATE = (
    '{"action":%s,"actor_id":%s,"actor_kind":%s,"actor_name":%s,"actor_role":%s,'
    '"case_id":%s,"entity_id":%s,"entity_type":%s,"id":%s,"occurred_at":%s,"office_id":%s,'
    '"payload_digest":%s,"prev_hash":%s,"remote_addr":%s,"request_id":%s,"user_agent":%s}'
)


def _time_as_text(connection: Connection) -> str:
    """SQL giving occurred_at as canonical text, or the raw column where Python converts it."""
    if connection.dialect.name == "postgresql":
        return """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    return "occurred_at"


def stream_rows(connection: Connection) -> Iterator[tuple]:
    """Every event as a plain tuple, in chain order, in batches of constant size.

    The driver's own cursor is used (a named, server-side cursor on PostgreSQL):
    verification touches every row, and per-row result processing would double its time.
    occurred_at comes as text: canonical already on PostgreSQL, as stored on SQLite.
    """
    columns = ", ".join(_time_as_text(connection) if name == "occurred_at" else name
                        for name in VERIFY_COLUMNS)
    sql = f"SELECT {columns} FROM audit_events ORDER BY id"  # noqa: S608 (constant names)
    driver_connection = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = driver_connection.cursor(name="casework_audit_verify")
    else:
        cursor = driver_connection.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(VERIFY_BATCH):
            yield from batch
    finally:
        cursor.close()


def canonical_time_text(value: Any) -> str:
    """occurred_at as read by `stream_rows`, in the canonical form `canonical_time` gives."""
    if isinstance(value, datetime):
        return canonical_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    if len(value) == 27 and value[10] == "T" and value[26] == "Z":
        return value  # PostgreSQL's to_char above
    if len(value) == 26 and value[10] == " " and value[19] == ".":
        return value[:10] + "T" + value[11:] + "Z"  # SQLite's storage format, in UTC
    parsed = datetime.fromisoformat(value)
    return canonical_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def verify(connection: Connection, expect_head: tuple[int, str] | None = None) -> Verification:
    """Recompute the whole chain in one streaming pass; stop at the first broken event.

    Memory stays constant: besides the running hash only the redaction runs met so
    far are remembered (one entry per run of the retention command).
    """
    expected_id, prev_hash = 1, GENESIS_HASH
    # redaction event id -> [events marked as redacted by it, the first of them]
    redactions: dict[int, list[int]] = {}
    count = 0
    sha256, template, text_of = hashlib.sha256, CANONICAL_TEMPLATE, canonical_time_text
    quote = json_encode_string
    for row in stream_rows(connection):
        (event_id, occurred_at, actor_kind, actor_id, actor_name, actor_role, remote_addr,
         user_agent, request_id, action, entity_type, entity_id, case_id, office_id,
         payload_digest, stored_prev_hash, payload, stored_hash) = row
        if event_id != expected_id:
            head = Head(expected_id - 1, prev_hash, None)
            missing = (f"event {expected_id} is missing" if event_id == expected_id + 1
                       else f"events {expected_id} to {event_id - 1} are missing")
            return Verification(count, head, expected_id,
                                f"{missing} (the chain continues at event {event_id})")
        try:
            problem = None
            if stored_prev_hash != prev_hash:
                problem = "its previous hash does not match the hash of the event before it"
            elif not payload.startswith('{"__redacted__":'):
                if sha256(payload.encode("utf-8")).hexdigest() != payload_digest:
                    problem = "its payload does not match its digest (the payload was altered)"
            elif (marker := REDACTED_PAYLOAD.match(payload)) is None:
                problem = "its payload is neither a payload nor a redaction marker"
            elif int(marker.group(1)) <= event_id:
                problem = "its payload is marked redacted by an event that does not follow it"
            else:
                redactions.setdefault(int(marker.group(1)), [0, event_id])[0] += 1
            if problem is None:
                canonical = template % (
                    quote(action),
                    "null" if actor_id is None else actor_id,
                    quote(actor_kind),
                    "null" if actor_name is None else quote(actor_name),
                    "null" if actor_role is None else quote(actor_role),
                    "null" if case_id is None else case_id,
                    "null" if entity_id is None else quote(entity_id),
                    "null" if entity_type is None else quote(entity_type),
                    event_id,
                    quote(text_of(occurred_at)),
                    "null" if office_id is None else office_id,
                    quote(payload_digest),
                    quote(stored_prev_hash),
                    "null" if remote_addr is None else quote(remote_addr),
                    "null" if request_id is None else quote(request_id),
                    "null" if user_agent is None else quote(user_agent),
                )
                if sha256(canonical.encode("utf-8")).hexdigest() != stored_hash:
                    problem = "its contents do not match its hash (the event was altered)"
                elif action == REDACTION_ACTION or event_id in redactions:
                    marked = redactions.pop(event_id, [0])[0]
                    problem = _check_redaction_record(action, payload, marked)
        except (TypeError, ValueError, AttributeError) as error:
            # A column of the wrong type (SQLite keeps whatever was written): not ours.
            problem = f"its columns cannot be read as an event ({type(error).__name__})"
        if problem is not None:
            return Verification(count, Head(expected_id - 1, prev_hash, None), event_id, problem)
        count += 1
        expected_id, prev_hash = event_id + 1, stored_hash
    head = Head(expected_id - 1, prev_hash, None)
    if redactions:
        redaction_id, (_, first_marked) = min(redactions.items(), key=lambda item: item[1][1])
        return Verification(count, head, first_marked,
                            f"its payload is marked redacted by event {redaction_id}, "
                            "which does not exist")
    if expect_head is not None:
        problem = _check_expected_head(connection, head, *expect_head)
        if problem:
            return Verification(count, head, expect_head[0], problem)
    return Verification(count, head)


def _check_redaction_record(action: str, payload: str, marked: int) -> str | None:
    if action != REDACTION_ACTION:
        return f"it is named by {marked} redacted payloads but is not a redaction record"
    if REDACTED_PAYLOAD.match(payload):
        return "it is a redaction record, and its own payload was redacted"
    recorded = json.loads(payload).get("details", {}).get("redacted_count")
    if recorded != marked:
        return f"it records {recorded} redacted payloads but {marked} events are marked redacted by it"
    return None


def _check_expected_head(connection: Connection, head: Head, head_id: int, head_hash: str) -> str | None:
    if head_id > head.id:
        return f"the published head {head_id} is missing: the chain ends at event {head.id}"
    stored = connection.execute(
        select(audit_events.c.hash).where(audit_events.c.id == head_id)
    ).scalar_one_or_none()
    if stored != head_hash:
        return "its hash differs from the published head"
    return None
