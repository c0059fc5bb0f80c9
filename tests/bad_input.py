"""What the bad-input tests share (issue 10, "Bad input never gives a 500 or a half-written
record"): a bounded, derandomized Hypothesis profile, so that CI runs the same examples
every time; and snapshots of what the database and the evidence store hold, to prove that
a refused request, a refused import or a killed worker changed nothing.

The audit table is append-only, so a snapshot keeps its head and `written_after` lists what
was added since. Some events are recorded on purpose in their own transaction, whatever
becomes of the request (architecture.md, "One transaction per request"): reads, exports,
refusals, and failed logins, which the login page commits with its 200. They are not
changes, and `written_after` leaves them out.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from sqlalchemy import func, select, text

from casework.extensions import db

settings.register_profile(
    "bad-input", max_examples=1, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck), print_blob=False)
# A longer, random search for a developer's machine: CASEWORK_BAD_INPUT_PROFILE=bad-input-deep.
settings.register_profile(
    "bad-input-deep", max_examples=20, derandomize=False, deadline=None, database=None,
    suppress_health_check=list(HealthCheck))
# Tests scale their max_examples by this profile's (1 in CI).
PROFILE = settings.get_profile(os.environ.get("CASEWORK_BAD_INPUT_PROFILE", "bad-input"))

RECORDED_WHATEVER_HAPPENS = frozenset({
    "access.denied", "case.opened", "evidence.downloaded", "letter.downloaded", "export.made",
    "audit.verified", "audit.log_viewed", "audit.event_viewed", "audit.case_timeline_viewed",
    "auth.login_failed",
})


@dataclass(frozen=True)
class Snapshot:
    rows: str        # a digest of every row of every table but the audit table
    audit_head: int  # the last audit event's id
    files: tuple[str, ...]


def _audit_table():
    return db.metadata.tables["audit_events"]


def _rows_digest(connection) -> str:
    tables = [table for table in db.metadata.sorted_tables if table.name != "audit_events"]
    if connection.dialect.name == "postgresql":
        # One statement: each table's rows as text, in order, digested by the server.
        quote = connection.dialect.identifier_preparer.quote
        return connection.scalar(text("SELECT " + " || ".join(
            f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM {quote(table.name)} t)" for table in tables)))
    digest = hashlib.sha256()
    for table in tables:
        order = list(table.primary_key.columns) or list(table.columns)
        digest.update(table.name.encode())
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def snapshot(app) -> Snapshot:
    """Every row of every table, and the files in the evidence store."""
    with app.app_context(), db.engine.connect() as connection:
        rows = _rows_digest(connection)
        head = connection.scalar(select(func.coalesce(func.max(_audit_table().c.id), 0)))
    store = app.config.get("EVIDENCE_PATH")
    root = Path(store) if store else None
    files = tuple(sorted(str(p) for p in root.rglob("*") if p.is_file())) \
        if root is not None and root.exists() else ()
    return Snapshot(rows, head, files)


def written_after(app, head: int) -> list[str]:
    """The actions of the audit events after `head` that record a change."""
    audit = _audit_table()
    with app.app_context(), db.engine.connect() as connection:
        return [action for action in connection.scalars(
            select(audit.c.action).where(audit.c.id > head).order_by(audit.c.id))
            if action not in RECORDED_WHATEVER_HAPPENS]
