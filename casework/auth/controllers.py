"""Login, TOTP, logout and the user's own account.

The request's transaction commits what a view did (casework.core.transaction): a failed
login answers 200, so its audit event is kept; a refused change is rolled back.
"""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth import operations, totp
from casework.auth.forms import ChangePasswordForm, LoginForm, TotpForm
from casework.auth.models import User
from casework.auth.sessions import end_session, start_session
from casework.core import signals
from casework.core.authz import Action, public, requires
from casework.core.errors import DomainError
from casework.core.transaction import refusal_shown
from casework.core.web import safe_next_url
from casework.extensions import db, limiter

# How long the password step stays valid while the user fetches a TOTP code.
PENDING_LOGIN_SECONDS = 300


def _failed_login() -> bool:
    return bool(g.get("login_failed"))


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _account_key() -> str:
    pending = session.get("pending_login") or {}
    email = request.form.get("email") or pending.get("email") or ""
    return "account:" + email.strip().lower()


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def throttled(view):
    """Refuse further attempts after too many failures for an account or an address."""
    view = limiter.limit(_login_limit, key_func=_account_key, methods=["POST"],
                         deduct_when=lambda response: _failed_login(), scope="login-account")(view)
    return limiter.limit(_login_limit, key_func=_address_key, methods=["POST"],
                         deduct_when=lambda response: _failed_login(), scope="login-address")(view)


def _finish_login(user: User, next_url: str | None):
    operations.record_login(user)
    start_session(user)
    return redirect(safe_next_url(next_url) or url_for("home.home"))


@public
@throttled
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True  # the failed attempt is itself an audit event, kept (200)
            flash(_("Email or password is incorrect."), "danger")
            return render_template("auth/login.html", form=form), 200
        next_url = request.args.get("next")
        if not user.requires_totp:
            return _finish_login(user, next_url)
        session.clear()
        session["pending_login"] = {
            "user_id": user.id,
            "token": user.session_token,
            "email": user.email,
            "at": int(time.time()),
            "next": safe_next_url(next_url),
        }
        endpoint = "auth.totp" if user.totp_enrolled else "auth.totp_enrol"
        return redirect(url_for(endpoint))
    return render_template("auth/login.html", form=form)


def _pending_user(lock: bool = False) -> User | None:
    pending = session.get("pending_login")
    if not pending or time.time() - pending.get("at", 0) > PENDING_LOGIN_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"], with_for_update=lock)
    if user is None or not user.active or user.session_token != pending.get("token"):
        return None
    return user


def _restart_login():
    session.pop("pending_login", None)
    flash(_("Please log in again."), "info")
    return redirect(url_for("auth.login"))


@public
@throttled
def totp_verify():
    user = _pending_user()
    if user is None:
        return _restart_login()
    if not user.totp_enrolled:
        return redirect(url_for("auth.totp_enrol"))
    form = TotpForm()
    if form.validate_on_submit():
        user = _pending_user(lock=True)
        if user is not None and operations.check_totp(user, form.code.data):
            return _finish_login(user, session["pending_login"].get("next"))
        g.login_failed = True
        flash(_("That code is not valid or has already been used."), "danger")
    return render_template("auth/totp.html", form=form)


@public
@throttled
def totp_enrol():
    user = _pending_user()
    if user is None:
        return _restart_login()
    if user.totp_enrolled:
        return redirect(url_for("auth.totp"))
    pending = session["pending_login"]
    if "secret" not in pending:
        pending["secret"] = totp.new_secret()
        session.modified = True
    uri = totp.provisioning_uri(pending["secret"], user.email, current_app.config["TOTP_ISSUER"])
    form = TotpForm()
    if form.validate_on_submit():
        user = _pending_user(lock=True)
        with refusal_shown(on_refusal=_enrolment_refused):
            operations.enrol_totp(user, pending["secret"], form.code.data)
            return _finish_login(user, pending.get("next"))
    return render_template(
        "auth/totp_enrol.html",
        form=form,
        qr_code=totp.qr_code_data_uri(uri),
        secret=pending["secret"],
    )


def _enrolment_refused(error: DomainError) -> None:
    g.login_failed = True
    flash(error.message, "danger")


@requires(Action.manage_own_account)
def logout():
    user = current_user._get_current_object()
    signals.logged_out.send(current_app._get_current_object(), user=user)
    # Clearing the cookie is not enough: a copy of it would still work until it expires.
    operations.end_sessions(user)
    end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@requires(Action.manage_own_account)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with refusal_shown(form):
            operations.change_own_password(user, form.current_password.data, form.password.data)
            # Every other session ended with the old token; this one continues.
            start_session(user)
            flash(_("Your password has been changed. Other sessions have been ended."), "success")
            return redirect(url_for("home.home"))
    return render_template("auth/change_password.html", form=form)
