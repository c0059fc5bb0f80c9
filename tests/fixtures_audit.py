"""Audit trail fixtures: read the events back, run `flask audit ...` commands, sign
checkpoints with a key of the test's own, tamper with the table as its owner could."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from casework.audit.models import AuditEvent
from casework.audit.operations import record_event
from casework.core.database import owner_engine
from casework.extensions import db


@pytest.fixture
def audit_events(app):
    """Factory: the events written so far (optionally one action), in chain order."""

    def read(action: str | None = None, **columns) -> list[AuditEvent]:
        with app.app_context():
            statement = select(AuditEvent).order_by(AuditEvent.id)
            if action is not None:
                statement = statement.where(AuditEvent.action == action)
            for name, value in columns.items():
                statement = statement.where(getattr(AuditEvent, name) == value)
            events = list(db.session.scalars(statement))
            db.session.expunge_all()
            return events

    return read


def payload(event: AuditEvent) -> dict:
    return json.loads(event.payload)


@pytest.fixture
def audit_cli(app):
    """Run `flask audit <args>`; returns the click result (exit_code, output)."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=["audit", *args])

    return run


# -- signed checkpoints and tampering (issue 10, findings 5 and 6) ------------------------

@dataclass
class AuditSigning:
    """The test's own audit signing key and checkpoint folder."""

    key: Path
    public_key: Path
    checkpoints: Path

    def files(self) -> list[Path]:
        return sorted(path for path in self.checkpoints.glob("*.json"))


@pytest.fixture
def audit_signing(app, tmp_path, monkeypatch, audit_cli) -> AuditSigning:
    """A signing key made by `flask audit keygen` and an empty checkpoint folder, both the
    test's own; checkpoints on demand only unless the test sets an interval."""
    signing = AuditSigning(tmp_path / "keys" / "audit.pem", tmp_path / "keys" / "audit.pem.pub",
                           tmp_path / "checkpoints")
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", str(signing.key))
    monkeypatch.setitem(app.config, "AUDIT_PUBLIC_KEY", None)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PATH", str(signing.checkpoints))
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL", None)
    made = audit_cli("keygen")
    assert made.exit_code == 0, made.output
    return signing


def append_events(app, count: int) -> None:
    """Append `count` events through the application, as any change would."""
    with app.app_context():
        for number in range(count):
            record_event("test.appended", details={"number": number})
        db.session.commit()


def tamper_as_owner(app, *statements: str) -> None:
    """Run SQL on the audit table as an administrator who rewrites the database would: as the
    schema owner, with the table's triggers switched off on PostgreSQL."""
    with app.app_context(), owner_engine().begin() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        for statement in statements:
            connection.execute(text(statement))
        if postgresql:
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@dataclass
class AuditTampering:
    """What an attacker does to the audit table, as the owner or as the application's role."""

    app: Flask

    def append(self, count: int) -> None:
        append_events(self.app, count)

    def as_owner(self, *statements: str) -> None:
        tamper_as_owner(self.app, *statements)

    def as_application(self, statement: str) -> str | None:
        """Try one statement as the application's own database role (then roll back): the
        database's refusal, or None if the statement was allowed."""
        with self.app.app_context(), db.engine.connect() as connection:
            try:
                connection.execute(text(statement))
            except DBAPIError as error:
                return str(error.orig)
            finally:
                connection.rollback()
        return None


@pytest.fixture
def audit_tampering(app) -> AuditTampering:
    return AuditTampering(app)
