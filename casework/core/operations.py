"""Changes to offices. Operations flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.core.errors import Conflict, InvalidInput
from casework.core.models import Office
from casework.extensions import db

OFFICE_CODE = re.compile(r"^[A-Z]{2,10}$")


def _validate_office(code: str, name: str, timezone: str) -> None:
    if not OFFICE_CODE.match(code):
        raise InvalidInput(_l("An office code is 2 to 10 capital letters, e.g. RQA."), "code")
    if not name.strip():
        raise InvalidInput(_l("An office needs a name."), "name")
    if timezone not in available_timezones():
        raise InvalidInput(
            _l("Unknown time zone %(tz)s; use a name such as Asia/Damascus.", tz=timezone),
            "timezone",
        )


def create_office(code: str, name: str, timezone: str) -> Office:
    code = code.strip().upper()
    _validate_office(code, name, timezone)
    if db.session.scalar(select(Office.id).where(Office.code == code)) is not None:
        raise Conflict(_l("An office with code %(code)s already exists.", code=code), "code")
    office = Office(code=code, name=name.strip(), timezone=timezone)
    db.session.add(office)
    db.session.flush()
    return office


def update_office(office: Office, name: str, timezone: str) -> Office:
    """Rename an office or change its time zone; the code is permanent (it is in references)."""
    _validate_office(office.code, name, timezone)
    office.name = name.strip()
    office.timezone = timezone
    db.session.flush()
    return office


def office_by_code(code: str) -> Office | None:
    return db.session.scalar(select(Office).where(Office.code == code.strip().upper()))
