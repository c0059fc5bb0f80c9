"""Office time: what day it is where an office is, and one way to write a day and a moment.

Timestamps are stored in UTC. A date a person types or reads (a delivery, an appeal lodged,
a deadline) is a calendar date where the office is: records with an office
(`record.office.timezone`) get their local date from :func:`office_today`.

Shown on a page or in a message, in the reader's language (Arabic with Syria's month
names, "2 كانون الأول 2026", not Egypt's), there is one way to write each:

- a day: "2 Dec 2026" (:func:`date_text`; the ``day`` filter);
- a moment: "2 Dec 2026, 14:57", in the time zone of the office the record belongs to (a
  case's office: ``case.created_at|moment(case)``). A moment given no office (a criteria
  version, an import, the audit trail, whose filters and export are UTC days) is shown in
  the zone of the reader's own office, and, for a reader of no office (auditors, admins)
  or outside a request, in UTC (:func:`moment_text`; the ``moment`` filter);
- the zone follows the time, as its offset from UTC, whenever it is not the zone of the
  office the reader works in: "2 Dec 2026, 14:57 UTC+3" for auditors and admins (who
  read every office, or none), for a record of an office in another zone, and in the
  command line; "2 Dec 2026, 11:57 UTC" for a moment shown in UTC. The offset ("UTC+3"),
  not the zone's name, so that it reads the same in both languages and stays one
  left-to-right run inside an Arabic sentence;
- a moment written as a day (``moment_day``): the day it fell on in that zone, with no
  zone: a day is always the office's calendar day.

Pages wrap what they show in ``<time datetime="…">`` holding the ISO value (a moment in
UTC), for machines; form fields, ``<input type=date>``, CSV, the audit trail's JSON and
data-* attributes keep ISO values and never go through these helpers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from flask import has_request_context
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from casework.core.authz import sees_every_office
from casework.core.models import utcnow


def today() -> date:
    """Today in UTC (for users who belong to no office)."""
    return utcnow().date()


def local_today(timezone: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def office_today(record: Any, now: datetime | None = None) -> date:
    """Today's date where the record's office is: deadlines fall on local dates."""
    return local_today(record.office.timezone, now)


# One way to write a day on every page, in the reader's language: "2 Dec 2026".
DATE_FORMAT = "d MMM y"
# A moment's time of day, on the 24-hour clock: "14:57".
TIME_FORMAT = "HH:mm"
# Month names as the families write them: Syria's (كانون الأول, حزيران), not Egypt's.
DATE_LOCALES = {"ar": "ar_SY"}


def _babel_locale() -> str:
    language = str(get_locale() or "en")
    return DATE_LOCALES.get(language, language)


def date_text(day: date) -> str:
    """A calendar day as people write it: "2 Dec 2026", "2 كانون الأول 2026"."""
    return format_date(day, DATE_FORMAT, locale=_babel_locale())


def office_date_text(moment: datetime, timezone: str) -> str:
    """The day a moment fell on where the office is, as people write it."""
    return date_text(local_today(timezone, moment))


def zone_of(where: Any) -> str | None:
    """The time zone of `where`: a zone's name, an office, or a record that has an office
    (a case, a user); None for a record of no office."""
    if where is None or isinstance(where, str):
        return where
    office = getattr(where, "office", None)
    return getattr(office if office is not None else where, "timezone", None)


def reader_zone() -> str | None:
    """The zone of the office the reader works in; None for a reader of no office or of
    every office (auditors), and outside a request."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return None
    if sees_every_office(current_user):
        return None
    return zone_of(current_user.office) if current_user.office_id is not None else None


def _as_moment(moment: datetime | str) -> datetime:
    """An aware moment (an ISO string, as background jobs keep them, is read as one)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _shown_in(where: Any) -> tuple[str, bool]:
    """The zone a record's moment is shown in, and whether the zone must be said."""
    own = reader_zone()
    zone = zone_of(where) or own or "UTC"
    return zone, zone != own


def zone_label(local: datetime) -> str:
    """The zone of a local moment as its offset from UTC: "UTC+3", "UTC+5:30", "UTC"."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def moment_text(moment: datetime | str, where: Any = None) -> str:
    """A moment where the record's office is: "2 Dec 2026, 14:57" ("… 14:57 UTC+3" when
    the zone is not the reader's own office's)."""
    zone, said = _shown_in(where)
    local = _as_moment(moment).astimezone(ZoneInfo(zone))
    locale = _babel_locale()
    text = get_datetime_format("medium", locale=locale).replace(
        "{1}", date_text(local.date())).replace("{0}", format_time(local, TIME_FORMAT,
                                                                   locale=locale))
    return f"{text} {zone_label(local)}" if said else text


def moment_day(moment: datetime | str, where: Any = None) -> date:
    """The day a moment fell on where the record's office is (see :func:`moment_text`)."""
    zone, _said = _shown_in(where)
    return _as_moment(moment).astimezone(ZoneInfo(zone)).date()


def _machine_moment(moment: datetime | str) -> str:
    return _as_moment(moment).astimezone(UTC).isoformat(timespec="seconds")


# The filters pages use: what people read inside <time>, the ISO value for machines.


def day_element(day: date | None) -> Markup:
    """``{{ case.due_on|day }}``: <time datetime="2026-12-02">2 Dec 2026</time>."""
    if day is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), date_text(day))


def moment_element(moment: datetime | str | None, where: Any = None) -> Markup:
    """``{{ item.uploaded_at|moment(case) }}``: the moment in the office's zone (see the
    module's docstring), inside <time> with its UTC ISO value."""
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(_machine_moment(moment),
                                                         moment_text(moment, where))


def moment_day_element(moment: datetime | str | None, where: Any = None) -> Markup:
    """``{{ case.created_at|moment_day(case) }}``: the day a moment fell on in the office's
    zone, inside <time> with the moment's UTC ISO value."""
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        _machine_moment(moment), date_text(moment_day(moment, where)))


DATE_FILTERS = {"day": day_element, "moment": moment_element, "moment_day": moment_day_element}
