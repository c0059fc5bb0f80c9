"""What every domain's models share: UTC timestamps, enum columns, administrative records,
single-line text without bidirectional controls (casework.core.text)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, event
from sqlalchemy.orm import Mapper

from casework.core.text import clean_single_line_columns
from casework.extensions import db

# Installed before any model is configured: every model imports this module.
event.listen(Mapper, "mapper_configured", clean_single_line_columns)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are refused; use an aware UTC datetime")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def string_enum(enum_class: type[StrEnum], length: int = 20) -> db.Enum:
    """An enum column stored as its value in a plain string column, checked on write.

    No native database enum: a later issue adds a stage or a kind without ALTER TYPE.
    """
    return db.Enum(enum_class, native_enum=False, length=length, validate_strings=True)


class AdministrativeRecord:
    """Marks records that admins manage (offices, users): no case data, no office scope."""

    __scope__ = "administration"
