"""Language selection (the user's own setting, else the `lang` cookie, else the browser's),
and what depends on the reader's language beyond the catalog: list punctuation, role labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import get_locale, lazy_pgettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

from casework.core.authz import Role

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


# Lists inside a sentence take the reader's punctuation: the Arabic comma and semicolon in
# languages written in Arabic script ("أحمد، فاطمة"), the Latin ones otherwise. A
# right-to-left mark follows the Arabic comma, so that two Latin items ("RQA-1، RQA-2") stay
# two runs in the sentence's order instead of one left-to-right run read backwards.
ARABIC_SCRIPT = frozenset({"ar", "ku_Arab"})
RIGHT_TO_LEFT_MARK = "\u200f"


def list_separator(*, strong: bool = False) -> str:
    """The reader's comma between the items of a list (`strong`: the semicolon, between
    items that contain commas themselves)."""
    locale = get_locale()
    if locale is not None and str(locale) in ARABIC_SCRIPT:
        return ("؛" if strong else "،") + RIGHT_TO_LEFT_MARK + " "
    return "; " if strong else ", "


def join_list(items: Iterable[Any], *, strong: bool = False) -> str:
    """Names, references or reasons joined into one phrase of the reader's sentence."""
    return list_separator(strong=strong).join(str(item) for item in items)


# One label per role, wherever a role is shown (the user list, the audit trail, home pages);
# the glossary (docs/arabic-glossary.md) says why these Arabic words.
ROLE_LABELS = {
    Role.caseworker: lazy_pgettext("role", "Caseworker"),
    Role.supervisor: lazy_pgettext("role", "Supervisor"),
    Role.auditor: lazy_pgettext("role", "Auditor"),
    Role.admin: lazy_pgettext("role", "Administrator"),
}


def role_label(role: str | None) -> str:
    """The role as people call it, in the reader's language; an unknown code as it is."""
    if role in ROLE_LABELS:
        return str(ROLE_LABELS[Role(role)])
    return role or ""
