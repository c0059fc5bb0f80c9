"""Changes to user accounts and offices. Operations flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from casework.auth import passwords, totp
from casework.auth.models import Office, User, new_session_token
from casework.core import signals
from casework.core.authz import Role
from casework.core.errors import Conflict, InvalidInput
from casework.core.models import utcnow
from casework.extensions import db

# Caseworkers and supervisors work on one office's cases; auditors and admins span offices.
ROLES_WITH_OFFICE = frozenset({Role.caseworker, Role.supervisor})


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(_l("That is not a valid email address."), "email") from error


def _app():
    return current_app._get_current_object()


def _check_role_and_office(role: Role, office: Office | None) -> None:
    if role in ROLES_WITH_OFFICE and office is None:
        raise InvalidInput(_l("Caseworkers and supervisors must belong to an office."), "office")


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str, name: str, role: Role | str, office: Office | None, password: str
) -> User:
    email = normalise_email(email)
    try:
        role = Role(role)
    except ValueError as error:
        raise InvalidInput(_l("Unknown role %(role)s.", role=role), "role") from error
    if not name.strip():
        raise InvalidInput(_l("A user needs a name."), "name")
    _check_role_and_office(role, office)
    passwords.check_password_policy(password, email)
    if user_by_email(email) is not None:
        raise Conflict(_l("A user with this email already exists."), "email")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        office=office,
        password_hash=passwords.hash_password(password),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User, name: str, role: Role | str, office: Office | None, active: bool
) -> User:
    """Change a user's name, role, office or status; deactivation ends every session."""
    role = Role(role)
    if not name.strip():
        raise InvalidInput(_l("A user needs a name."), "name")
    _check_role_and_office(role, office)
    before = {"role": str(user.role), "office": user.office.code if user.office else None}
    after = {"role": str(role), "office": office.code if office else None}
    was_active = user.active
    user.name = name.strip()
    user.role = role
    user.office = office
    user.active = active
    if before != after:
        # A new role or office must not ride on a session granted for the old one.
        user.session_token = new_session_token()
        signals.user_role_or_office_changed.send(_app(), user=user, before=before, after=after)
    if was_active and not active:
        user.session_token = new_session_token()
        signals.user_deactivated.send(_app(), user=user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (with no hint which failed)."""
    user = user_by_email(email or "")
    valid = passwords.verify_password(user.password_hash if user else None, password or "")
    if not valid or user is None or not user.active:
        reason = "unknown email" if user is None else ("inactive" if valid else "bad password")
        signals.login_failed.send(_app(), email=(email or "")[:254], reason=reason, user=user)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()
    signals.login_succeeded.send(_app(), user=user)


def end_sessions(user: User) -> None:
    """End every session of the user on the server (logout): a copy of a session cookie,
    kept or stolen, no longer loads them."""
    user.session_token = new_session_token()
    db.session.flush()


def set_password(user: User, new_password: str) -> None:
    """Set a new password and end every session of the user; a temporary password an
    admin gave has then been replaced."""
    passwords.check_password_policy(new_password, user.email)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    user.session_token = new_session_token()
    db.session.flush()
    signals.password_changed.send(_app(), user=user)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise InvalidInput(_l("The current password is not correct."), "current_password")
    if current_password == new_password:
        raise InvalidInput(_l("The new password must differ from the current one."), "password")
    set_password(user, new_password)


# Resets by an admin. The user row's update is the audit event (who reset whose account,
# and, for a password, `must_change_password` set); the secrets themselves are never logged
# (SECRET_COLUMNS). Never one's own account: an admin changes their own password on the
# change-password page, with their current one, and cannot lock themselves out.


def _refuse_own_account(user: User, actor: User, message) -> None:
    if actor.id == user.id:
        raise Conflict(message)


def reset_password(user: User, actor: User, temporary_password: str | None = None) -> str:
    """Give the user a temporary password (the admin's, else a generated one) that they must
    replace at their next login, and end all of their sessions. Returns the temporary
    password, for the admin to hand over; it is not kept anywhere but as its hash."""
    _refuse_own_account(user, actor, _l(
        "This is your own account: change your password on the Change password page."))
    password = temporary_password or passwords.temporary_password(user.email)
    try:
        passwords.check_password_policy(password, user.email)
    except InvalidInput as error:
        raise InvalidInput(error.message, "temporary_password") from error
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.session_token = new_session_token()
    db.session.flush()
    return password


def reset_totp(user: User, actor: User) -> None:
    """Remove the user's authenticator (lost or replaced phone) and end all of their
    sessions: at the next login, after the password, they set up an authenticator again."""
    _refuse_own_account(user, actor, _l(
        "This is your own account: another administrator resets your two-step login."))
    if not user.totp_enrolled:
        raise Conflict(_l("This user has no two-step login to reset."))
    user.totp_secret = None
    user.totp_last_counter = None
    user.session_token = new_session_token()
    db.session.flush()


def enrol_totp(user: User, secret: str, code: str, now: float | None = None) -> None:
    """Confirm enrolment with a first code from the authenticator, then store the secret.

    `now` is the time the code is checked at (default: the clock now)."""
    counter = totp.matching_counter(secret, code, now)
    if counter is None:
        raise InvalidInput(_l("That code is not valid; check the time on your device."), "code")
    user.totp_secret = secret
    user.totp_last_counter = counter
    db.session.flush()
    signals.totp_enrolled.send(_app(), user=user)


def check_totp(user: User, code: str) -> bool:
    """Accept a valid code that has not been used before; each code works once only."""
    if user.totp_secret is None:
        return False
    counter = totp.matching_counter(user.totp_secret, code)
    if counter is None or (user.totp_last_counter is not None and counter <= user.totp_last_counter):
        signals.login_failed.send(_app(), email=user.email, reason="bad totp code", user=user)
        return False
    user.totp_last_counter = counter
    db.session.flush()
    return True


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


# Offices

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
