"""How the audit trail tells the events about accounts and offices: logins, logouts, failed
logins, password and role changes, an admin's resets of a password or of the two-step login
(casework.core.history).

A login writes the user's ``last_login_at`` (and the TOTP counter) before the login event;
that bookkeeping is told by the login, as a role change's session token is told by the
role change.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.core.history import (
    HistoryEvent,
    HistoryNames,
    Sentence,
    changed_fields,
    register_history_sentence,
    say,
)
from casework.core.i18n import role_label

# Written by logins, logouts, password and TOTP changes, role changes: their events tell.
ACCOUNT_BOOKKEEPING = frozenset({
    "last_login_at", "totp_last_counter", "session_token", "password_hash",
    "password_changed_at", "totp_secret", "role", "office_id", "active",
    "must_change_password",
})
ACCOUNT_FIELDS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "locale": _l("Language"),
}
OFFICE_FIELDS = {
    "name": _l("Name"),
    "timezone": _l("Time zone"),
}
LOGIN_FAILURES = {
    "unknown email": _l("no account has this email"),
    "inactive": _l("the account is deactivated"),
    "bad password": _l("wrong password"),
    "bad totp code": _l("wrong or already used code"),
}
SESSION_ENDINGS = {
    "idle": _l("idle for too long"),
    "absolute": _l("the session reached its time limit"),
}


def _account(event: HistoryEvent, names: HistoryNames) -> str:
    return names.of(HistoryNames.USERS, event.record_id) or event.value("name") \
        or event.value("email") or _("an account")


def account(event: HistoryEvent, names: HistoryNames) -> Sentence | None:
    name = _account(event, names)
    if event.created:
        return say(_("%(who)s created the account of %(name)s (%(role)s)"), who=event.who,
                   name=name, role=role_label(event.value("role")))
    if event.deleted:
        return say(_("%(who)s removed the account of %(name)s"), who=event.who, name=name)
    fields = changed_fields(event, ACCOUNT_FIELDS)
    if fields and event.actor_id is not None and event.actor_id == event.record_id:
        return say(_("%(who)s changed their own account: %(fields)s"), who=event.who,
                   fields=fields)
    if fields:
        return say(_("%(who)s edited the account of %(name)s: %(fields)s"), who=event.who,
                   name=name, fields=fields)
    if event.old("active") is False and event.new("active") is True:
        return say(_("%(who)s reactivated the account of %(name)s"), who=event.who, name=name)
    if event.new("must_change_password") is True:
        return say(_("%(who)s reset the password of %(name)s: a temporary one, to be "
                     "replaced at the next login"), who=event.who, name=name)
    if "totp_secret" in event.changes and "totp_last_counter" in event.changes \
            and event.new("totp_last_counter") is None:
        return say(_("%(who)s reset the two-step login of %(name)s: they set up an "
                     "authenticator again at their next login"), who=event.who, name=name)
    if event.changed_only(ACCOUNT_BOOKKEEPING):
        return None
    return say(_("%(who)s changed the account of %(name)s"), who=event.who, name=name)


def office(event: HistoryEvent, names: HistoryNames) -> Sentence:
    code = event.value("code") or "?"
    if event.created:
        return say(_("%(who)s created office %(code)s (%(name)s)"), who=event.who, code=code,
                   name=event.value("name") or "")
    fields = changed_fields(event, OFFICE_FIELDS)
    return say(_("%(who)s edited office %(code)s: %(fields)s"), who=event.who,
               code=code if event.value("code") else _("an office"),
               fields=fields or _("its record"))


def login(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s logged in"), who=event.who)


def logout(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s logged out"), who=event.who)


def login_failed(event: HistoryEvent, names: HistoryNames) -> Sentence:
    reason = LOGIN_FAILURES.get(event.details.get("reason") or "") or _("refused")
    return say(_("%(who)s could not log in as %(email)s: %(reason)s"), who=event.who,
               email=event.details.get("email") or "?", reason=reason)


def session_expired(event: HistoryEvent, names: HistoryNames) -> Sentence:
    reason = SESSION_ENDINGS.get(event.details.get("reason") or "") or _("expired")
    return say(_("%(who)s was logged out automatically: %(reason)s"), who=event.who,
               reason=reason)


def password_changed(event: HistoryEvent, names: HistoryNames) -> Sentence:
    if event.actor_id is not None and event.actor_id == event.record_id:
        return say(_("%(who)s changed their password"), who=event.who)
    return say(_("%(who)s set a new password for %(name)s"), who=event.who,
               name=_account(event, names))


def totp_enrolled(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s set up their login codes (two-step login)"), who=event.who)


def _role_and_office(value: dict | None) -> str:
    value = value or {}
    role = role_label(value.get("role"))
    return f"{role} ({value['office']})" if value.get("office") else role


def role_or_office_changed(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s changed the role of %(name)s from %(before)s to %(after)s"),
               who=event.who, name=_account(event, names),
               before=_role_and_office(event.details.get("before")),
               after=_role_and_office(event.details.get("after")))


def deactivated(event: HistoryEvent, names: HistoryNames) -> Sentence:
    return say(_("%(who)s deactivated the account of %(name)s"), who=event.who,
               name=_account(event, names))


def register_history() -> None:
    """Accounts' sentences (called once, from the blueprint)."""
    register_history_sentence("users", account, noun=_l("a user account"))
    register_history_sentence("offices", office, noun=_l("an office"))
    register_history_sentence("auth.login", login)
    register_history_sentence("auth.logout", logout)
    register_history_sentence("auth.login_failed", login_failed)
    register_history_sentence("auth.session_expired", session_expired)
    register_history_sentence("auth.password_changed", password_changed)
    register_history_sentence("auth.totp_enrolled", totp_enrolled)
    register_history_sentence("users.role_or_office_changed", role_or_office_changed)
    register_history_sentence("users.deactivated", deactivated)
