"""Case references per office and year (RQA-2026-000123), without gaps or duplicates.

The counter row of the office and year is locked (SELECT ... FOR UPDATE) for the rest
of the intake's transaction: concurrent intakes of one office wait for each other,
and a rolled-back intake gives its number back, so numbers have no gaps. On SQLite
the write lock serialises writers the same way.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from casework.auth.models import Office
from casework.extensions import db
from casework.intake.models.cases import ReferenceCounter

COUNTERS = ReferenceCounter.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def format_reference(office_code: str, year: int, number: int) -> str:
    return f"{office_code}-{year}-{number:06d}"


def office_year(office: Office, now: datetime | None = None) -> int:
    """The current year where the office is (New Year's Eve differs by time zone)."""
    return (now or datetime.now(ZoneInfo(office.timezone))).astimezone(
        ZoneInfo(office.timezone)
    ).year


def allocate_case_reference(office: Office, now: datetime | None = None) -> str:
    """The next reference of the office for this year; call it before adding the case."""
    year = office_year(office, now)
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(COUNTERS)
        .values(office_id=office.id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["office_id", "year"])
    )
    this_counter = (COUNTERS.c.office_id == office.id) & (COUNTERS.c.year == year)
    number = db.session.execute(
        select(COUNTERS.c.last_number).where(this_counter).with_for_update()
    ).scalar_one() + 1
    db.session.execute(update(COUNTERS).where(this_counter).values(last_number=number))
    return format_reference(office.code, year, number)
