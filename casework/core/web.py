"""Request plumbing shared by every view: request ids, headers, errors, language."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.extensions import db

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def safe_next_url(target: str | None) -> str | None:
    """A local path to return to after login, or None for anything that leaves the site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex


# PostgreSQL's text columns cannot hold U+0000 and refuse it even in a query's parameter;
# no one types it, so a request carrying it in a field or a parameter is malformed.
NULL_CHARACTER = "\x00"


def refuse_null_characters() -> Any:
    """before_request: answer 400, before any view runs, when a query parameter, a form
    field or an uploaded file's name contains a null character."""
    pairs = list(request.args.items(multi=True))
    if request.method not in ("GET", "HEAD") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        pairs += request.form.items(multi=True)
        pairs += [(name, upload.filename or "")
                  for name, upload in request.files.items(multi=True)]
    if any(NULL_CHARACTER in key or NULL_CHARACTER in value for key, value in pairs):
        return render_error(400)
    return None


def add_security_headers(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if current_user and current_user.is_authenticated:
        # Pages with case data must not be kept by shared browsers or proxies.
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def format_size(size: int) -> str:
    """A number of bytes as people read it (25 MB, 64 KB, 900 bytes), in the user's language."""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(size / (1024 * 1024), format="#,##0.#"))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(size / 1024, format="#,##0.#"))
    return ngettext("%(num)s byte", "%(num)s bytes", size)


def upload_limit() -> str:
    """The largest file a user may upload, as people read it."""
    return format_size(
        current_app.config.get("EVIDENCE_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"]
    )


ERROR_MESSAGES = {
    400: lambda: _("The request could not be understood. Please go back and try again."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("There is nothing here. The address may be wrong, or the record is not yours to see."),
    405: lambda: _("This page cannot be used that way."),
    409: lambda: _("This could not be done in the record's current state."),
    413: lambda: _(
        "The file is too large. A file may be at most %(limit)s: send a smaller file, "
        "or split it into parts. Nothing was saved.",
        limit=upload_limit(),
    ),
    429: lambda: _(
        "Too many failed attempts. For your account's safety, please wait 15 minutes "
        "before trying again."
    ),
    500: lambda: _("Something went wrong on our side. Nothing was saved. Please try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/healthz") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, message: str | None = None):
    message = message or ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])()
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("errors/error.html", code=code, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _("This form has expired or did not come from this site. Reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A description given with abort(409, description=...) says what clashed.
        # (The rate limiter's own description names the limit, not what to do: ours is kept.)
        explicit = error.code != 429 and error.description != type(error).description
        return render_error(error.code, error.description if explicit else None)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
