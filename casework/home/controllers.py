"""Each role's home page, the health check, the language switch and the site icon."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from casework.auth.forms import LanguageForm
from casework.auth.operations import set_locale
from casework.core.authz import Action, public, requires
from casework.core.i18n import LANGUAGE_COOKIE, supported
from casework.core.web import safe_next_url
from casework.extensions import db

ONE_YEAR = 365 * 24 * 3600


@requires(Action.view_home)
def home():
    return render_template(f"home/{current_user.role}.html")


@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in supported():
        abort(400)
    if current_user.is_authenticated:
        set_locale(current_user, form.lang.data)
    response = make_response(redirect(safe_next_url(form.next.data) or url_for("home.home")))
    response.set_cookie(
        LANGUAGE_COOKIE, form.lang.data, max_age=ONE_YEAR, httponly=True, samesite="Lax",
        secure=request.is_secure,
    )
    return response


@public
def favicon():
    """Browsers ask for /favicon.ico on every site; answer it instead of a 404 per page."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=ONE_YEAR)
