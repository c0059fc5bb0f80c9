"""Login sessions: loading the user, rotation at login, idle and absolute timeouts, and the
new password a user must set after an admin reset theirs.

The session cookie carries ``<user id>:<session token>``; the token lives on the
user row, so replacing it (password change, deactivation, role change) ends
every session of that user at once.
"""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from casework.auth.models import User
from casework.core import signals
from casework.core.authz import declared_access
from casework.core.transaction import unit_of_work
from casework.extensions import db


def load_user(user_id_and_token: str) -> User | None:
    user_id, _sep, token = user_id_and_token.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def start_session(user: User) -> None:
    """Replace whatever session the browser had with a new one for this user."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["sid"] = secrets.token_urlsafe(24)
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True


def end_session() -> None:
    logout_user()
    session.clear()


def expired_reason(now: int) -> str | None:
    config = current_app.config
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - auth_at > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds():
        return "absolute"
    if now - seen_at > config["SESSION_IDLE_TIMEOUT"].total_seconds():
        return "idle"
    return None


def enforce_session_timeouts():
    """before_request: end sessions idle for too long or older than the absolute limit."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    reason = expired_reason(now)
    if reason is not None:
        user = current_user._get_current_object()
        end_session()
        # Before any view, so outside the request's transaction: a unit of work of its own.
        with unit_of_work():
            signals.session_expired.send(current_app._get_current_object(), user=user,
                                         reason=reason)
        flash(_("Your session has ended; please log in again."), "info")
        return redirect(url_for("auth.login"))
    session["seen_at"] = now
    return None


# What a user whose password an admin reset may still do, besides public pages.
OPEN_UNTIL_PASSWORD_CHANGED = frozenset({"auth.change_password", "auth.logout",
                                         "home.set_language"})


def enforce_password_change():
    """before_request: a user given a temporary password by an admin sets a new one before
    anything else (or logs out)."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_UNTIL_PASSWORD_CHANGED:
        return None
    view = current_app.view_functions.get(endpoint)
    if view is not None and declared_access(view, endpoint) == "public":
        return None
    return redirect(url_for("auth.change_password"))
