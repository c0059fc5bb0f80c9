"""The navigation each role sees, derived from the authorization table."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from casework.core.authz import Action, can


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    action: Action


# Domains append their entries here when their blueprints are registered.
NAVIGATION: list[NavItem] = [
    NavItem(_l("Home"), "home.home", Action.view_home),
    NavItem(_l("Cases"), "intake.cases", Action.view_case),
    NavItem(_l("Search"), "search.search", Action.search_cases),
    NavItem(_l("New case"), "intake.case_new", Action.create_case),
    NavItem(_l("Incidents"), "intake.incidents", Action.view_incident),
    NavItem(_l("Import"), "importing.upload", Action.import_cases),
    NavItem(_l("Decisions"), "eligibility.decision_queue", Action.view_work_queues),
    NavItem(_l("To reconsider"), "eligibility.reconsider_queue", Action.view_work_queues),
    NavItem(_l("Offices"), "auth.offices", Action.manage_offices),
    NavItem(_l("Users"), "auth.users", Action.manage_users),
    NavItem(_l("Eligibility criteria"), "eligibility.criteria",
            Action.manage_eligibility_criteria),
    NavItem(_l("Audit log"), "audit.log", Action.view_audit_log),
]


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAVIGATION if can(user, item.action)]
