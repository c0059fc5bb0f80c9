"""Audit trail fixtures: read the events back, run `flask audit ...` commands."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEvent
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
