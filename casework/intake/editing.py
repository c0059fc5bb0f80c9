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

@dataclass(frozen=True)
class TrackedField:
    """A value an edit form shows: `read` gives it as the form holds it (e.g. ids),
    `display` as a person reads it (e.g. references); `field` names the form field
    when it differs from the key."""

    label: Any
    read: Callable[[Any], Any]
    display: Callable[[Any], Any] | None = None
    field: str | None = None

    def shown(self, record: Any) -> str:
        return as_text((self.display or self.read)(record))


@dataclass
class FieldChange:
    label: Any
    was: str
    now: str
    # "updated": the form now shows the new value (the user had not touched it);
    # "both": the user changed it too, their entry is kept; "elsewhere": not in this form.
    resolution: str


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
    """Flush; a concurrent save that won the race turns into StaleRecord.

    Called once, after every change of the operation, so that a saved edit bumps the
    version once: an operation reads what it needs before changing anything, since a
    lazy load after a change autoflushes it (another UPDATE, another version)."""
    reference = case.reference  # read now: after a failed flush the session is unusable
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(
            _l("Case %(reference)s was changed by someone else at the same moment.",
               reference=reference),
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


def snapshot(record: Any, fields: Mapping[str, TrackedField]) -> dict[str, list[str]]:
    return {name: [as_text(field.read(record)), field.shown(record)]
            for name, field in fields.items()}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SNAPSHOT_SALT)


def sign_snapshot(record: Any, fields: Mapping[str, TrackedField]) -> str:
    return _serializer().dumps(snapshot(record, fields))


def merge_changes(token: str | None, record: Any, fields: Mapping[str, TrackedField],
                  form: Any) -> list[FieldChange]:
    """What someone else changed since the form was loaded, merged into the form.

    A field the user left as loaded takes the new value, so that saving again cannot
    silently undo the other change; a field both changed keeps the user's entry.
    """
    try:
        loaded = _serializer().loads(token or "")
    except BadSignature:
        loaded = {}
    changes = []
    for name, tracked in fields.items():
        was_value, was_shown = loaded.get(name, ["", ""])
        now = tracked.read(record)
        if as_text(now) == was_value:
            continue
        form_name = tracked.field or name
        if form is None or form_name not in form:
            resolution = "elsewhere"
        elif as_text(form[form_name].data) == was_value:
            form[form_name].data = now
            form[form_name].raw_data = None
            resolution = "updated"
        else:
            resolution = "both"
        changes.append(FieldChange(tracked.label, was_shown, tracked.shown(record), resolution))
    return changes
