"""Keyset pagination: pages are found by the last key seen, never by OFFSET."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, tuple_

from casework.core.ids import MAX_SEQUENCE_NUMBER, id_from_text, largest_value
from casework.extensions import db

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    next_after: int | None


def parse_after(value: str | None, maximum: int = MAX_SEQUENCE_NUMBER) -> int | None:
    """The id a page starts after, or None (the first page) when it is not one."""
    return id_from_text(value, maximum)


def page_by_id(statement: Select, id_column, after: int | None, size: int = DEFAULT_PAGE_SIZE) -> Page:
    """Rows ordered by id descending, starting after the given id."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if after is not None and after <= largest_value(id_column):
        # (Beyond the column's largest value, every row comes before it: the first page.)
        statement = statement.where(id_column < after)
    rows = list(db.session.scalars(statement.order_by(id_column.desc()).limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if has_more and rows else None)


# Keyset pagination on several columns (e.g. priority, then id). The cursor is the
# last row's key values joined by "~", e.g. "2~1234" or "2026-03-01~1234".
CURSOR_SEPARATOR = "~"


@dataclass(frozen=True)
class SortKey:
    """A column of a keyset sort and how to read its value back from a cursor."""

    column: Any
    parse: Callable[[str], Any] = int
    # The attribute holding the value on a returned row; defaults to the column's key.
    attribute: str | None = None

    def value_of(self, row: Any) -> Any:
        return getattr(row, self.attribute or self.column.key)


@dataclass
class KeysetPage:
    items: list[Any]
    next_after: str | None


def parse_cursor(keys: Sequence[SortKey], after: str | None) -> tuple | None:
    """The key values in a cursor, or None (first page) when it is absent or malformed."""
    if not after:
        return None
    parts = after.split(CURSOR_SEPARATOR)
    if len(parts) != len(keys):
        return None
    try:
        values = tuple(key.parse(part) for key, part in zip(keys, parts, strict=True))
    except ValueError:
        return None
    # A number the key's column cannot hold is no row's key (and PostgreSQL refuses it).
    if any(isinstance(value, int) and not -largest_value(key.column) - 1 <= value
           <= largest_value(key.column) for key, value in zip(keys, values, strict=True)):
        return None
    return values


def page_by_keys(
    statement: Select, keys: Sequence[SortKey], after: str | None, *, descending: bool = False,
    size: int = DEFAULT_PAGE_SIZE,
) -> KeysetPage:
    """Rows ordered by the keys (all ascending or all descending), after the cursor.

    The last key must be unique (the id). The keys must not be NULL in the rows the
    statement selects. One row-value comparison lets an index on the keys (after any
    equality-filtered columns) start exactly at the cursor, so page 1,000 is as quick as
    page 1.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    columns = [key.column for key in keys]
    values = parse_cursor(keys, after)
    if values is not None:
        left = columns[0] if len(columns) == 1 else tuple_(*columns)
        right = values[0] if len(values) == 1 else tuple_(*values)
        statement = statement.where(left < right if descending else left > right)
    order = [column.desc() if descending else column.asc() for column in columns]
    rows = list(db.session.scalars(statement.order_by(*order).limit(size + 1)).unique())
    has_more = len(rows) > size
    rows = rows[:size]
    next_after = None
    if has_more and rows:
        next_after = CURSOR_SEPARATOR.join(str(key.value_of(rows[-1])) for key in keys)
    return KeysetPage(rows, next_after)
