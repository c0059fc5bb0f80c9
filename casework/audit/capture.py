"""Automatic capture of every insert, update and delete, from the ORM session itself.

Nothing in the domains calls this module: every mapped model is audited unless
it says why not (``__audit_exempt__ = "<reason>"``). Columns listed in
``__audit_secret_columns__`` are recorded as changed, never with their values.

When events are written
-----------------------
- Changes are captured at each flush (while their before/after values are known)
  and kept with the transaction, or savepoint, they belong to. A rolled-back
  savepoint drops its events with its rows.
- At commit, after the last flush, the events are chained and inserted through
  the session's own connection: the same transaction as the change. The append
  lock is therefore held only from the commit's start to its end, and a
  transaction never waits for it while holding row locks another appender needs.
- Explicit events that go with a change (a login, a role change) join the same
  queue (`record_with_transaction`).
- Events with no change to go with (a read, an access refused just before the
  request's transaction is rolled back) are written in a transaction of their
  own (`record_independently`): at once when the session is idle, otherwise as
  soon as the session's transaction has ended (committed or rolled back), so that
  they never wait for the append lock or SQLite write lock their own request holds.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from sqlalchemy import Delete, Insert, Result, Table, Update, event, inspect, select
from sqlalchemy.orm import ColumnProperty, Mapper, ORMExecuteState, Session, SessionTransaction
from sqlalchemy.orm.attributes import NO_VALUE
from sqlalchemy.orm.exc import ObjectDeletedError

from casework.audit.chain import NewEvent, append
from casework.audit.context import Actor, current_actor
from casework.extensions import db

log = logging.getLogger(__name__)

PENDING = "casework.audit.pending"  # {SessionTransaction: [NewEvent]}
INDEPENDENT = "casework.audit.independent"  # [NewEvent] waiting for the transaction's end
UNWRITTEN = "casework.audit.unwritten"  # [NewEvent] that failed to be written
COMMITTING = "casework.audit.committing"

SECRET = {"secret": True}


# -- which models and columns are audited -------------------------------------------------

def exempt_reason(cls: type) -> str | None:
    return getattr(cls, "__audit_exempt__", None)


def is_audited(cls: type) -> bool:
    return exempt_reason(cls) is None


def secret_columns(cls: type) -> frozenset[str]:
    return frozenset(getattr(cls, "__audit_secret_columns__", ()))


def _audited_table_names() -> dict[str, type]:
    return {
        mapper.local_table.name: mapper.class_
        for mapper in db.Model.registry.mappers
        if isinstance(mapper.local_table, Table) and is_audited(mapper.class_)
    }


# -- what an object belongs to ------------------------------------------------------------

def entity_type(obj: Any) -> str:
    return inspect(obj).mapper.local_table.name


def entity_id(obj: Any) -> str | None:
    state = inspect(obj)
    # During a flush a new object has its primary key but not yet its identity.
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    if identity is None or all(part is None for part in identity):
        return None
    return ",".join(str(part) for part in identity)


def case_id_of(obj: Any) -> int | None:
    """The case an object belongs to: `audit_case_id`, else `case_id`, else a case's own id."""
    for name in ("audit_case_id", "case_id"):
        value = getattr(obj, name, None)
        if value is not None:
            return value
    if getattr(type(obj), "__tablename__", None) == "cases":
        return getattr(obj, "id", None)
    return None


def office_id_of(obj: Any) -> int | None:
    value = getattr(obj, "audit_office_id", None)
    if value is None and getattr(type(obj), "__scope__", "office") != "administration":
        value = getattr(obj, "office_id", None)
    return value if isinstance(value, int) else None


def entity_columns(obj: Any) -> dict[str, Any]:
    """Entity, case and office columns of an event about this object."""
    columns: dict[str, Any] = {
        "entity_type": entity_type(obj),
        "entity_id": entity_id(obj),
        "case_id": None,
        "office_id": None,
    }
    try:
        columns["case_id"] = case_id_of(obj)
        columns["office_id"] = office_id_of(obj)
    except Exception:  # noqa: BLE001  (an unloadable property must not block the change)
        log.exception("audit: cannot tell the case of %r", obj)
    return columns


def describe(obj: Any) -> dict[str, Any]:
    """Entity columns for any object handed to a signal (mapped or not)."""
    if obj is None:
        return {}
    if inspect(obj, raiseerr=False) is not None:
        return entity_columns(obj)
    return {
        "entity_type": getattr(obj, "__tablename__", type(obj).__name__.lower()),
        "entity_id": _str_or_none(obj, "id"),
        "case_id": case_id_of(obj),
        "office_id": office_id_of(obj),
    }


def _str_or_none(obj: Any, name: str) -> str | None:
    value = getattr(obj, name, None)
    return str(value) if value is not None else None


# -- capturing changes --------------------------------------------------------------------

def _column_attributes(obj: Any) -> list[ColumnProperty]:
    return list(inspect(obj).mapper.column_attrs)


def _loaded_value(state, key: str) -> Any:
    value = state.dict.get(key, NO_VALUE)
    return None if value is NO_VALUE else value


def _inserted(obj: Any) -> dict[str, Any]:
    state, secrets = inspect(obj), secret_columns(type(obj))
    changes = {}
    for prop in _column_attributes(obj):
        value = _loaded_value(state, prop.key)
        if value is not None:
            changes[prop.key] = SECRET if prop.key in secrets else {"new": value}
    return changes


def _updated(obj: Any) -> dict[str, Any]:
    state, secrets = inspect(obj), secret_columns(type(obj))
    changes = {}
    for prop in _column_attributes(obj):
        history = state.attrs[prop.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new and history.deleted:
            continue
        changes[prop.key] = SECRET if prop.key in secrets else {"old": old, "new": new}
    return changes


def _deleted(obj: Any, snapshot: dict[str, Any] | None) -> dict[str, Any]:
    state, secrets = inspect(obj), secret_columns(type(obj))
    changes = {}
    for prop in _column_attributes(obj):
        value = snapshot[prop.key] if snapshot else _loaded_value(state, prop.key)
        if value is not None:
            changes[prop.key] = SECRET if prop.key in secrets else {"old": value}
    return changes


def change_event(action: str, obj: Any, changes: dict[str, Any]) -> NewEvent:
    return NewEvent(
        action=action, **current_actor().columns(), **entity_columns(obj),
        payload={"changes": changes},
    )


def _before_flush(session: Session, flush_context, instances) -> None:
    # Deleted rows are gone after the flush: keep their values now (loading expired ones).
    snapshots = session.info.setdefault("casework.audit.deleted", {})
    for obj in session.deleted:
        if is_audited(type(obj)):
            # If the row is gone already, the event keeps what was loaded.
            with suppress(ObjectDeletedError):
                snapshots[id(obj)] = {
                    prop.key: getattr(obj, prop.key) for prop in _column_attributes(obj)
                }


def _after_flush(session: Session, flush_context) -> None:
    events: list[NewEvent] = []
    snapshots = session.info.pop("casework.audit.deleted", {})
    for obj in session.new:
        if is_audited(type(obj)):
            events.append(change_event("create", obj, _inserted(obj)))
    for obj in session.dirty:
        if is_audited(type(obj)) and session.is_modified(obj, include_collections=False):
            changes = _updated(obj)
            if changes:
                events.append(change_event("update", obj, changes))
    for obj in session.deleted:
        if is_audited(type(obj)):
            events.append(change_event("delete", obj, _deleted(obj, snapshots.get(id(obj)))))
    if events:
        fill_case_offices(session.connection(), events)
        _enqueue(session, events)


def fill_case_offices(connection, events: list[NewEvent]) -> None:
    """Give events on a case's records the case's office (supervisors' timelines need it)."""
    cases = db.metadata.tables.get("cases")
    wanted = {e.case_id for e in events if e.case_id is not None and e.office_id is None}
    if cases is None or "office_id" not in cases.c or not wanted:
        return
    offices = dict(connection.execute(
        select(cases.c.id, cases.c.office_id).where(cases.c.id.in_(wanted))
    ).all())
    for e in events:
        if e.case_id is not None and e.office_id is None:
            e.office_id = offices.get(e.case_id)


def _bulk_statement(state: ORMExecuteState) -> Result | None:
    """Statements that bypass the unit of work (bulk UPDATE/DELETE/INSERT) are recorded too."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return None
    table = statement.table
    audited = _audited_table_names()
    if not isinstance(table, Table) or table.name not in audited:
        return None
    result = state.invoke_statement()
    secrets = secret_columns(audited[table.name])
    payload: dict[str, Any] = {"statement": str(statement), "rows": result.rowcount}
    if not isinstance(statement, Insert):
        parameters = statement.compile().params
        payload["parameters"] = {
            key: ("[secret]" if any(key.startswith(name) for name in secrets) else value)
            for key, value in parameters.items()
        }
    kind = type(statement).__name__.lower()
    _enqueue(state.session, [NewEvent(
        action=f"bulk_{kind}", **current_actor().columns(), entity_type=table.name,
        payload=payload,
    )])
    return result


# -- queueing and writing -----------------------------------------------------------------

def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _enqueue(session: Session, events: list[NewEvent]) -> None:
    if session.info.get(COMMITTING):
        # A flush after our before_commit ran (another listener changed something).
        append(session.connection(), events)
        return
    transaction = _innermost(session)
    if transaction is None:
        session.connection()  # begin the transaction the events belong to
        transaction = _innermost(session)
    session.info.setdefault(PENDING, {}).setdefault(transaction, []).extend(events)


def record_with_transaction(session: Session, events: list[NewEvent]) -> None:
    """Write the events with the session's transaction: kept if it commits, gone if not."""
    _enqueue(session, events)


def attribute_queued(session: Session, obj: Any, actor: Actor) -> int:
    """Give `actor` the queued changes to `obj`, in this transaction, written while nobody
    was logged in; returns how many.

    A login writes the account's own row (last login, TOTP counter, a rehashed password)
    before the account is logged in, so those changes were captured from nobody; once the
    login is confirmed, in the same transaction, they are the user's. Nothing already
    written to the chain changes.
    """
    entity = entity_columns(obj)
    given = 0
    for events in session.info.get(PENDING, {}).values():
        for queued in events:
            if (queued.actor_kind == "anonymous" and queued.action in ("create", "update")
                    and queued.entity_type == entity["entity_type"]
                    and queued.entity_id == entity["entity_id"]):
                for name, value in actor.columns().items():
                    setattr(queued, name, value)
                given += 1
    return given


def record_independently(session: Session, events: list[NewEvent]) -> None:
    """Write the events in a transaction of their own (they go with no change)."""
    if session.in_transaction():
        session.info.setdefault(INDEPENDENT, []).extend(events)
    else:
        _write_independently(events)


def _write_independently(events: list[NewEvent], session: Session | None = None) -> None:
    """Append in a transaction of our own; without a session to report to, errors raise."""
    try:
        with db.engine.begin() as connection:
            append(connection, events)
    except Exception:
        log.exception("audit: could not write %d event(s): %s", len(events),
                      ", ".join(event.action for event in events))
        if session is None:
            raise
        session.info.setdefault(UNWRITTEN, []).extend(events)


def unwritten_events(session: Session) -> list[NewEvent]:
    """Independent events that could not be written when their transaction ended."""
    return session.info.pop(UNWRITTEN, [])


def _before_commit(session: Session) -> None:
    session.flush()
    transaction = _innermost(session)
    pending = session.info.get(PENDING, {})
    if transaction is not None and transaction.nested:
        # Releasing a savepoint: its events now belong to the enclosing transaction.
        events = pending.pop(transaction, [])
        if events:
            pending.setdefault(transaction.parent, []).extend(events)
        return
    events = pending.pop(transaction, [])
    if events:
        append(session.connection(), events)
    session.info[COMMITTING] = True


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if not (transaction.nested or transaction.parent is None):
        return
    # Events still queued here belong to a transaction that was rolled back.
    session.info.get(PENDING, {}).pop(transaction, None)
    if transaction.parent is None:
        session.info.pop(COMMITTING, None)
        session.info.pop("casework.audit.deleted", None)
        independent = session.info.pop(INDEPENDENT, [])
        if independent:
            # The transaction they followed is over (often in teardown): log, do not raise;
            # a caller that must not go on without them asks `unwritten_events`.
            _write_independently(independent, session)


# -- installation -------------------------------------------------------------------------

def _want_old_values(mapper: Mapper, cls: type) -> None:
    """Load a column's old value before it is overwritten, so updates show before/after."""
    if not is_audited(cls):
        return
    for prop in mapper.column_attrs:
        attribute = getattr(cls, prop.key)
        if not event.contains(attribute, "set", _noop_set):
            event.listen(attribute, "set", _noop_set, active_history=True)


def _noop_set(target, value, oldvalue, initiator):
    return value


def install_capture() -> None:
    """Listen to Flask-SQLAlchemy's session and mappers (idempotent)."""
    listeners = [
        (db.session, "before_flush", _before_flush),
        (db.session, "after_flush", _after_flush),
        (db.session, "before_commit", _before_commit),
        (db.session, "after_transaction_end", _after_transaction_end),
        (db.session, "do_orm_execute", _bulk_statement),
        (Mapper, "mapper_configured", _want_old_values),
    ]
    for target, name, function in listeners:
        if not event.contains(target, name, function):
            event.listen(target, name, function)
    for mapper in db.Model.registry.mappers:
        if mapper.configured:
            _want_old_values(mapper, mapper.class_)
