"""Upkeep of the Arabic catalog, run by `make catalog`.

It extracts every message from the code and templates, updates the catalog without fuzzy
matching (a translation guessed from a similar English message would be shown as if someone
had checked it), keeps the Arabic plural rule, compiles, and lists what is left to
translate. docs/arabic-glossary.md says which Arabic words to use; tests/test_i18n.py holds
the catalog to the same checks.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent
ROOT = TRANSLATIONS.parents[1]
TEMPLATE = TRANSLATIONS / "messages.pot"
ARABIC = TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po"

# Babel's own keywords (_, gettext, ngettext, pgettext, npgettext) and flask-babel's lazy ones.
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2",
            "lazy_npgettext:1c,2,3")

# CLDR's Arabic forms, in CLDR's order (Babel 2.19 writes this rule too): 0 zero, 1 one,
# 2 two, 3 few (n % 100 in 3..10: "3 أطفال"), 4 many (n % 100 in 11..99: "11 طفلًا"),
# 5 other (100, 101, 102...: "100 طفل"). Babel up to 2.18 wrote a rule with forms 4 and 5
# the other way round; msgstr[4] and msgstr[5] must follow the rule in the header.
ARABIC_PLURAL_FORMS = ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                       "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5);")


def read_catalog(path: Path = ARABIC) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def untranslated(catalog: Catalog) -> list[Message]:
    """Messages with no translation, or a plural form left empty."""
    return [message for message in _messages(catalog)
            if not all(message.string if isinstance(message.string, tuple) else (message.string,))]


def fuzzy(catalog: Catalog) -> list[Message]:
    return [message for message in _messages(catalog) if message.fuzzy]


def describe(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    context = f"[{message.context}] " if message.context else ""
    return f"{context}{text!r} ({where})"


def extract(output: Path) -> None:
    """The messages of the code and templates, as `pybabel extract` with the project's keywords."""
    keywords = [argument for keyword in KEYWORDS for argument in ("-k", keyword)]
    _pybabel("extract", "-F", "babel.cfg", *keywords, "--add-comments=Translators:",
             "-o", str(output), ".")


def keep_plural_rule(path: Path = ARABIC) -> None:
    catalog = read_catalog(path)
    headers = [(name, ARABIC_PLURAL_FORMS if name.lower() == "plural-forms" else value)
               for name, value in catalog.mime_headers]
    if headers != catalog.mime_headers:
        catalog.mime_headers = headers
        with path.open("wb") as handle:
            write_po(handle, catalog, width=76)


def main() -> int:
    extract(TEMPLATE)
    _pybabel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-i", str(TEMPLATE),
             "-d", str(TRANSLATIONS))
    keep_plural_rule()
    _pybabel("compile", "--use-fuzzy", "-d", str(TRANSLATIONS))
    catalog = read_catalog()
    missing, guessed = untranslated(catalog), fuzzy(catalog)
    for message in missing:
        print("untranslated:", describe(message))
    for message in guessed:
        print("fuzzy:", describe(message))
    print(f"{ARABIC.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated, "
          f"{len(guessed)} fuzzy (translate them following docs/arabic-glossary.md).")
    return 1 if missing or guessed else 0


def source_keys() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message the code and templates use now."""
    with tempfile.TemporaryDirectory() as directory:
        template = Path(directory, "messages.pot")
        extract(template)
        return {_key(message) for message in _messages(read_catalog(template))}


def catalog_keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {_key(message) for message in _messages(catalog)}


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _key(message: Message) -> tuple[str | None, str]:
    return message.context, message.id[0] if isinstance(message.id, tuple) else message.id


def _pybabel(*arguments: str) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # babel.cfg's patterns and the catalog's locations are relative to it
    try:
        CommandLineInterface().run(["pybabel", "--quiet", *arguments])
    finally:
        os.chdir(cwd)


if __name__ == "__main__":
    sys.exit(main())
