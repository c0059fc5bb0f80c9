"""Keyset pagination: pages are found by the last key seen, never by OFFSET."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from casework.extensions import db

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    next_after: int | None


def parse_after(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def page_by_id(statement: Select, id_column, after: int | None, size: int = DEFAULT_PAGE_SIZE) -> Page:
    """Rows ordered by id descending, starting after the given id."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if after is not None:
        statement = statement.where(id_column < after)
    rows = list(db.session.scalars(statement.order_by(id_column.desc()).limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if has_more and rows else None)
