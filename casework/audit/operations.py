"""What the audit trail does: record events, verify the chain, redact old payloads.

Nothing here edits or removes an event. The only change ever made to a written
event is the retention redaction, which replaces a payload by a marker naming the
redaction record; the chain stays verifiable because it covers the payload through
its digest, and `audit verify` checks that every marker is accounted for.

On PostgreSQL with two roles the application's role may not UPDATE the audit table at
all, so the redaction runs on the owner's connection (`flask audit redact` passes it);
the triggers still allow only the marker.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from casework.audit import capture, checkpoints
from casework.audit.chain import (
    REDACTION_ACTION,
    NewEvent,
    Verification,
    append,
    audit_events,
    lock_chain,
    redaction_marker,
    verify,
)
from casework.audit.context import Actor, current_actor
from casework.extensions import db

VERIFICATION_ACTION = "audit.verified"
REDACTED_PREFIX = '{"__redacted__":'


def new_event(action: str, obj: Any = None, details: dict[str, Any] | None = None,
              actor: Actor | None = None, **columns: Any) -> NewEvent:
    """An explicit event about `obj` (any mapped object, or None), with its details."""
    event = NewEvent(
        action=action,
        **(actor or current_actor()).columns(),
        **capture.describe(obj),
        payload={"details": details or {}},
    )
    for name, value in columns.items():
        setattr(event, name, value)
    return event


def record_event(action: str, obj: Any = None, details: dict[str, Any] | None = None,
                 actor: Actor | None = None, **columns: Any) -> None:
    """Record an event that goes with the current transaction's change (kept only if it commits)."""
    event = new_event(action, obj, details, actor, **columns)
    capture.fill_case_offices(db.session.connection(), [event])
    capture.record_with_transaction(db.session(), [event])


def record_access(action: str, obj: Any = None, details: dict[str, Any] | None = None,
                  actor: Actor | None = None, **columns: Any) -> None:
    """Record a read, an export or a refusal: written whether or not the request commits."""
    event = new_event(action, obj, details, actor, **columns)
    if event.case_id is not None and event.office_id is None:
        if db.session().in_transaction():
            capture.fill_case_offices(db.session.connection(), [event])
        else:
            with db.engine.connect() as connection:
                capture.fill_case_offices(connection, [event])
    capture.record_independently(db.session(), [event])


def verify_chain(expect_head: tuple[int, str] | None = None) -> Verification:
    """Recompute the chain (streaming, own connection), then record that it was verified."""
    return verify_with_checkpoint(expect_head)[0]


def verify_with_checkpoint(expect_head: tuple[int, str] | None = None
                           ) -> tuple[Verification, Path | None]:
    """Recompute the chain and check it against the latest signed checkpoint (if any).

    A sound chain that lacks events the checkpoint signed, or holds other ones, is broken:
    its newest events were deleted or rewritten. Returns the checkpoint file checked.
    """
    with db.engine.connect() as connection:
        result = verify(connection, expect_head)
        result, checkpoint = checkpoints.check_chain(connection, result)
    details: dict[str, Any] = {"result": "ok" if result.ok else "broken", "count": result.count,
                               "head_id": result.head.id, "head_hash": result.head.hash}
    if not result.ok:
        details.update(broken_at=result.broken_at, problem=result.problem)
    if expect_head is not None:
        details["expected_head"] = {"id": expect_head[0], "hash": expect_head[1]}
    if checkpoint is not None:
        details["checkpoint"] = checkpoint.name
    record_access(VERIFICATION_ACTION, details=details)
    return result, checkpoint


def _redaction_criteria(before: datetime | None, case_id: int | None, upto: int) -> list:
    criteria = [
        audit_events.c.id < upto,
        audit_events.c.action != REDACTION_ACTION,
        ~audit_events.c.payload.startswith(REDACTED_PREFIX, autoescape=True),
    ]
    if before is not None:
        criteria.append(audit_events.c.occurred_at < before)
    if case_id is not None:
        criteria.append(audit_events.c.case_id == case_id)
    return criteria


def redact_payloads(before: datetime | None = None, case_id: int | None = None,
                    connection: Connection | None = None) -> int:
    """Replace the payloads of matching events by a marker; records the redaction first.

    The redaction record is appended under the chain lock with the number of events it
    redacts; each redacted payload then names it. Runs on the given connection (the
    owner's), else the session's: the caller commits.
    """
    if before is None and case_id is None:
        raise ValueError("a redaction needs a date, a case, or both")
    connection = connection if connection is not None else db.session.connection()
    lock_chain(connection)
    upto = connection.execute(select(func.coalesce(func.max(audit_events.c.id), 0))).scalar_one() + 1
    count = connection.execute(
        select(func.count()).select_from(audit_events)
        .where(and_(*_redaction_criteria(before, case_id, upto)))
    ).scalar_one()
    details: dict[str, Any] = {"redacted_count": count,
                               "before": before.isoformat() if before else None,
                               "case_id": case_id}
    [redaction_id] = append(connection, [new_event(REDACTION_ACTION, details=details,
                                                   case_id=case_id)])
    updated = connection.execute(
        update(audit_events)
        .where(and_(*_redaction_criteria(before, case_id, upto)))
        .values(payload=redaction_marker(redaction_id))
    ).rowcount
    if updated != count:
        raise RuntimeError(f"redaction counted {count} events but changed {updated}")
    return count
