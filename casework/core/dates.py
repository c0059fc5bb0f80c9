"""Today's date, where it matters: deadlines and "not in the future" fall on office dates.

A date a person types or reads (a delivery, an appeal lodged, a deadline) is a calendar
date where the office is; a timestamp is stored in UTC. Records that have an office
(`record.office.timezone`) get their local date from :func:`office_today`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from casework.core.models import utcnow


def today() -> date:
    """Today in UTC (for users who belong to no office)."""
    return utcnow().date()


def local_today(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def office_today(record: Any, now: datetime | None = None) -> date:
    """Today's date where the record's office is: deadlines fall on local dates."""
    return local_today(record.office.timezone, now)
