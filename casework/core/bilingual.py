"""Texts admins keep in Arabic and in English, shown in the reader's language.

Reference data that admins maintain (the eligibility criteria now; the compensation
schedules' categories and the providers' services later) is read by Arabic and English
readers alike, so each such text is a pair of columns, `<name>_ar` and `<name>_en`, and the
model declares the text once: ``title = BilingualText()``. Read, the attribute is the text in
the reader's language or, while that one is empty, the other language's, marked as a
fallback (:class:`ReaderText`): a page lays it out in its own language and direction
(`lang`, `dir`), and the admins' pages say which translation is missing. Outside a request
(commands, jobs, letters in the family's language) pass the language:
``in_reader_language(ar, en, language="ar")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup, escape

from casework.core.i18n import ARABIC_SCRIPT, text_direction

ARABIC, ENGLISH = "ar", "en"
OTHER_LANGUAGE = {ARABIC: ENGLISH, ENGLISH: ARABIC}


@dataclass(frozen=True)
class ReaderText:
    """One of a pair of texts: the one in the reader's language, or the other one
    (`fallback`) while the reader's is missing."""

    text: str
    language: str
    fallback: bool = False

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        """Escaped; a fallback carries its own language and direction, so that an English
        title on an Arabic page reads left to right, and a screen reader pronounces it in
        English."""
        if not self.fallback:
            return str(escape(self.text))
        return str(Markup('<span lang="{}" dir="{}" data-fallback-language="{}">{}</span>').format(
            self.language, text_direction(self.language), self.language, self.text))


def reader_language() -> str:
    """The reader's language among the two that admin texts are kept in."""
    locale = get_locale()
    return ARABIC if locale is not None and str(locale) in ARABIC_SCRIPT else ENGLISH


def _present(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def in_reader_language(ar: str | None, en: str | None,
                       language: str | None = None) -> ReaderText | None:
    """The text in `language` (default: the reader's), else the other one as a fallback;
    None when both are empty."""
    wanted = language or reader_language()
    texts = {ARABIC: _present(ar), ENGLISH: _present(en)}
    if texts[wanted] is not None:
        return ReaderText(texts[wanted], wanted)
    other = OTHER_LANGUAGE[wanted]
    if texts[other] is not None:
        return ReaderText(texts[other], other, fallback=True)
    return None


class BilingualText:
    """A model attribute read from its pair of columns `<name>_ar` and `<name>_en`, in the
    reader's language (see the module's docstring)."""

    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return in_reader_language(getattr(obj, f"{self.name}_ar"),
                                  getattr(obj, f"{self.name}_en"))

