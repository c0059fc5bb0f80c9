"""The navigation each role sees: entries registered by the domains, filtered by the
authorization table.

A domain registers its entries when its blueprint is set up:

    register_navigation(NavItem(_l("Decisions"), "eligibility.decision_queue",
                                Action.view_work_queues, order=60))

`order` places the entry in the bar (the same for every role); `on_home` says whether the
role's home page lists it too. Core names no domain's entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.core.authz import Action, can


@dataclass(frozen=True)
class NavItem:
    label: Any
    endpoint: str
    action: Action
    order: int = 100
    on_home: bool = True


NAVIGATION: dict[str, NavItem] = {}


def register_navigation(*items: NavItem) -> None:
    for item in items:
        NAVIGATION[item.endpoint] = item


def navigation_for(user: Any) -> list[NavItem]:
    entries = sorted(NAVIGATION.values(), key=lambda item: (item.order, item.endpoint))
    return [item for item in entries if can(user, item.action)]


def home_entries(user: Any) -> list[NavItem]:
    """What the user's home page links to."""
    return [item for item in navigation_for(user) if item.on_home]
