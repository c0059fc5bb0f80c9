"""Sections the domains add to the case page (evidence, duplicate candidates, reviews...).

The case page belongs to intake; core keeps the registry so that no domain needs another's
package to add its section, and intake needs none of theirs to show it.

A domain registers a section once, at import:

    register_case_section(CaseSection("evidence", "evidence/_case_section.html",
                                      load=evidence_for_case, order=30))

`load(case, user)` returns the template's context (None hides the section). It runs a
fixed number of queries, never one per row, so the page's statement count stays flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseSection:
    name: str
    template: str
    load: Callable[[Any, Any], dict | None]
    order: int = 100


CASE_PAGE_SECTIONS: dict[str, CaseSection] = {}


def register_case_section(section: CaseSection) -> None:
    CASE_PAGE_SECTIONS[section.name] = section


def sections_for(case: Any, user: Any) -> list[tuple[CaseSection, dict]]:
    shown = []
    for section in sorted(CASE_PAGE_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        context = section.load(case, user)
        if context is not None:
            shown.append((section, context))
    return shown
