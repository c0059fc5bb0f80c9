"""Integers read from a request (ids in URLs and forms, page cursors): within what the
database column they are compared with can hold, or refused where they are read.

Record ids are INTEGER columns. On PostgreSQL every value bound to a query is cast to
its column's type, so an id beyond INTEGER's range is an error there, not "no such
record"; SQLite's driver cannot even send an integer beyond 64 bits. The audit trail's
sequence numbers alone are BIGINT. A number no record can have is therefore malformed
input: a URL with it matches no route (404), a form field shows its error, a page cursor
starts again at the first page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from werkzeug.routing import IntegerConverter

# PostgreSQL's INTEGER, the type of every record's id.
MAX_RECORD_ID = 2**31 - 1
# PostgreSQL's BIGINT and SQLite's INTEGER: the audit trail's sequence numbers.
MAX_SEQUENCE_NUMBER = 2**63 - 1


def largest_value(column: Any) -> int:
    """The largest integer the column holds on every database."""
    return MAX_SEQUENCE_NUMBER if isinstance(column.type, BigInteger) else MAX_RECORD_ID


def record_id(value: Any) -> int:
    """`value` as an id a record can have; ValueError otherwise (as `int` raises for what is
    not a number, so that form fields and cursor parsers refuse both the same way)."""
    number = int(value)
    if not -MAX_RECORD_ID - 1 <= number <= MAX_RECORD_ID:
        raise ValueError(f"{number} is beyond any record's id")
    return number


def optional_record_id(value: Any) -> int | None:
    """Like `record_id`, with the empty choice of a select as None."""
    if value in ("", None):
        return None
    return record_id(value)


def id_from_text(value: str | None, maximum: int = MAX_RECORD_ID) -> int | None:
    """The id a query parameter names in ASCII digits, or None for anything else: signs,
    spaces, digits of other scripts (which `str.isdigit` accepts and `int` may not), a
    number beyond `maximum`."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    # (Longer than the maximum's digits: too large, and `int` refuses beyond 4,300 digits.)
    if len(value.lstrip("0")) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in URL rules: an id larger than any record's matches no rule (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(map, *args, **kwargs)


class SequenceNumberConverter(IntegerConverter):
    """`<bigint:...>`: the audit trail's sequence numbers, which are BIGINT."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_SEQUENCE_NUMBER)
        super().__init__(map, *args, **kwargs)


URL_CONVERTERS = {"int": RecordIdConverter, "bigint": SequenceNumberConverter}
