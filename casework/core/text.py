"""Single-line text as Casework keeps it: without invisible characters that change its meaning.

Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder
what follows them on screen: "evil<U+202E>gpj.exe.pdf" displays as "evilfdp.exe.jpg", and a
name or reference can be made to read as another. Zero-width spaces and joiners that join
nothing (U+200B, U+2060, U+FEFF) make two equal-looking names or references differ. None
of them has any business in a name, a reference, a title or a file name, and escaping HTML
does not neutralise them. Kept: the zero-width non-joiner and joiner (U+200C, U+200D),
which Kurdish and Persian spelling needs, and the directional marks (U+200E, U+200F,
U+061C), which only nudge neutral characters such as punctuation beside numbers.

Why on the columns, not in forms: `clean_single_line_columns` is installed on every mapper
(casework.core.models) and cleans each String column (not Text, not an enum) when a value is
assigned. Every path that writes a record, the forms, the CSV import, the command line,
background jobs, assigns through the models, so no domain can forget it, and the value
in memory (shown on the page answered, recorded in the audit trail) is already the stored one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Enum, String, Text, event
from sqlalchemy.orm import Mapper

INVISIBLE_IN_A_LINE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")


def single_line_text(value: str) -> str:
    """The text without bidirectional controls and stray zero-width characters."""
    return INVISIBLE_IN_A_LINE.sub("", value)


def _cleaned_on_assignment(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    return single_line_text(value) if isinstance(value, str) else value


def _is_single_line(column: Any) -> bool:
    column_type = getattr(column, "type", None)
    return isinstance(column_type, String) and not isinstance(column_type, Text | Enum)


def clean_single_line_columns(mapper: Mapper, class_: type) -> None:
    """mapper_configured: clean every value assigned to one of the class's String columns."""
    for prop in mapper.column_attrs:
        if len(prop.columns) == 1 and _is_single_line(prop.columns[0]):
            event.listen(getattr(class_, prop.key), "set", _cleaned_on_assignment, retval=True)
