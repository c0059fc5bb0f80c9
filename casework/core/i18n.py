"""Language selection: the user's own setting, else the `lang` cookie, else the browser's."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

LANGUAGE_COOKIE = "lang"
RIGHT_TO_LEFT = frozenset({"ar", "ku_Arab"})
LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}


def supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    languages = supported()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # command line
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or languages[0]


def text_direction(locale: str) -> str:
    return "rtl" if locale in RIGHT_TO_LEFT else "ltr"


def _escaped_html(self: LazyString) -> str:
    return str(escape(str(self)))


# flask-babel marks lazy strings as safe HTML, so `_l("… %(x)s", x=user_input)` would reach a
# page unescaped. Casework's messages are plain text: escape them like any other string.
LazyString.__html__ = _escaped_html
