"""Optimistic locking of a case: every change to it or its household bumps its version.

A form carries the version it was loaded at and a signed snapshot of the values it
showed. A save against another version is refused (StaleRecord, answered with 409),
and the snapshot tells the user exactly which values someone else changed meanwhile.
Two saves racing past the version check are caught by the database: the UPDATE of the
case row names the version it read (SQLAlchemy's version_id_col), so one of them
changes no row and is refused the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm.exc import StaleDataError

from casework.core.lifecycle import StaleRecord
from casework.core.models import utcnow
from casework.extensions import db
from casework.intake.models.cases import Case

SNAPSHOT_SALT = "casework.intake.edit-snapshot"

# A field shown in a form: its label and how to read its current value as text.
Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class TrackedField:
    label: Any
    read: Getter


@dataclass
class FieldChange:
    label: Any
    was: str
    now: str


def check_case_version(case: Case, expected_version: int | None) -> None:
    """Refuse a change prepared against an older version of the case."""
    if expected_version is not None and expected_version != case.version:
        raise StaleRecord(
            _l("Case %(reference)s was changed by someone else after you opened this form.",
               reference=case.reference),
            case,
        )


def touch_case(case: Case, actor: Any) -> None:
    """Mark the case changed (and so bump its version) when its household changes."""
    case.updated_at = utcnow()
    case.updated_by_id = actor.id if actor is not None else None


def flush_case(case: Case) -> None:
    """Flush; a concurrent save that won the race turns into StaleRecord."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(
            _l("Case %(reference)s was changed by someone else at the same moment.",
               reference=case.reference),
            case,
        ) from error


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(as_text(item) for item in value))
    return str(value)


def snapshot(record: Any, fields: Mapping[str, TrackedField]) -> dict[str, str]:
    return {name: as_text(field.read(record)) for name, field in fields.items()}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SNAPSHOT_SALT)


def sign_snapshot(record: Any, fields: Mapping[str, TrackedField]) -> str:
    return _serializer().dumps(snapshot(record, fields))


def changes_since(
    token: str | None, record: Any, fields: Mapping[str, TrackedField],
) -> list[FieldChange]:
    """What differs now from the values the form was loaded with."""
    try:
        loaded = _serializer().loads(token or "")
    except BadSignature:
        return []
    now = snapshot(record, fields)
    return [
        FieldChange(fields[name].label, loaded.get(name, ""), value)
        for name, value in now.items()
        if loaded.get(name, "") != value
    ]
