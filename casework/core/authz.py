"""Authorization: one table of role x action, plus the scope of the object acted on.

Every view declares the action it performs (``@requires``) or that it is public
(``@public``); a request to a view that declares neither is refused. Views that
act on an object call :func:`authorize` on it, which answers 404 for an object
outside the user's reach so that ids cannot be probed across offices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

from casework.core import signals


class Role(StrEnum):
    caseworker = "caseworker"
    supervisor = "supervisor"
    auditor = "auditor"
    admin = "admin"


class Action(StrEnum):
    view_home = "home.view"
    manage_own_account = "account.manage"
    manage_offices = "offices.manage"
    manage_users = "users.manage"
    # Intake: cases, households, incidents.
    view_case = "case.view"
    create_case = "case.create"
    edit_case = "case.edit"
    transition_case = "case.transition"
    assign_case = "case.assign"
    view_incident = "incident.view"
    manage_incident = "incident.manage"
    assess_incident = "incident.assess"
    # Bulk import of incidents and cases from CSV, into the supervisor's own office.
    import_cases = "case.import"
    # Evidence attached to cases: uploaded, downloaded (audited), withdrawn; never deleted.
    upload_evidence = "evidence.upload"
    download_evidence = "evidence.download"
    withdraw_evidence = "evidence.withdraw"
    # Name and reference search; duplicate claims (candidates on demand, supervisors decide).
    search_cases = "case.search"
    view_duplicates = "duplicates.view"
    decide_duplicate = "duplicates.decide"
    # Eligibility workflow: admins define the criteria; caseworkers review and recommend,
    # record decision deliveries and appeals; supervisors decide, decide appeals, reconsider.
    manage_eligibility_criteria = "eligibility.criteria.manage"
    review_eligibility = "eligibility.review"
    decide_eligibility = "eligibility.decide"
    record_decision_delivery = "eligibility.delivery"
    record_appeal = "eligibility.appeal"
    decide_appeal = "eligibility.appeal.decide"
    view_work_queues = "eligibility.queues"
    reconsider_case = "eligibility.reconsider"
    # Audit trail: read-only for everyone; nobody edits or deletes events.
    view_audit_log = "audit.view"
    export_audit_log = "audit.export"
    view_case_timeline = "audit.case_timeline"
    # Acknowledgement and apology: recorded, delivered, the family's response; read by auditors.
    view_acknowledgement = "acknowledgement.view"
    record_acknowledgement = "acknowledgement.record"
    record_apology_delivery = "acknowledgement.deliver"
    record_family_response = "acknowledgement.respond"


class Scope(StrEnum):
    # The action touches no particular record.
    none = "none"
    # Case data: caseworkers and supervisors reach their own office's only,
    # auditors reach all (read-only actions), admins none.
    office = "office"
    # Offices, users, providers, schedules: managed by admins.
    administration = "administration"
    # Reference data shared by every office's case work (incidents): caseworkers and
    # supervisors reach all of it, auditors all for read-only actions, admins none.
    shared = "shared"


@dataclass(frozen=True)
class Permission:
    roles: frozenset[Role]
    scope: Scope
    read_only: bool = False


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


EVERYONE = _roles(*Role)
CASE_WORKERS = _roles(Role.caseworker, Role.supervisor)
CASE_READERS = _roles(Role.caseworker, Role.supervisor, Role.auditor)

PERMISSIONS: dict[Action, Permission] = {
    Action.view_home: Permission(EVERYONE, Scope.none, read_only=True),
    Action.manage_own_account: Permission(EVERYONE, Scope.none),
    Action.manage_offices: Permission(_roles(Role.admin), Scope.administration),
    Action.manage_users: Permission(_roles(Role.admin), Scope.administration),
    Action.view_case: Permission(CASE_READERS, Scope.office, read_only=True),
    Action.create_case: Permission(CASE_WORKERS, Scope.office),
    Action.edit_case: Permission(CASE_WORKERS, Scope.office),
    Action.transition_case: Permission(CASE_WORKERS, Scope.office),
    Action.assign_case: Permission(_roles(Role.supervisor), Scope.office),
    Action.view_incident: Permission(CASE_READERS, Scope.shared, read_only=True),
    Action.manage_incident: Permission(CASE_WORKERS, Scope.shared),
    # The official assessment can send cases back for reconsideration: supervisors record it.
    Action.assess_incident: Permission(_roles(Role.supervisor), Scope.shared),
    Action.import_cases: Permission(_roles(Role.supervisor), Scope.office),
    Action.upload_evidence: Permission(CASE_WORKERS, Scope.office),
    # Auditors may download evidence (each download is audited), except a protected witness's
    # statement (intake.evidence_controllers.download); only case workers add or withdraw.
    Action.download_evidence: Permission(CASE_READERS, Scope.office, read_only=True),
    Action.withdraw_evidence: Permission(CASE_WORKERS, Scope.office),
    # Search lists only the cases the user's office scope reaches (auditors: every office).
    Action.search_cases: Permission(CASE_READERS, Scope.none, read_only=True),
    Action.view_duplicates: Permission(CASE_READERS, Scope.office, read_only=True),
    # Merge, dismiss or link as one victim; never by whoever created either case.
    Action.decide_duplicate: Permission(_roles(Role.supervisor), Scope.office),
    Action.manage_eligibility_criteria: Permission(_roles(Role.admin), Scope.administration),
    Action.review_eligibility: Permission(CASE_WORKERS, Scope.office),
    # Never by whoever recommended, nor an appeal by the original decider: the case
    # lifecycle's preconditions check it on the case.
    Action.decide_eligibility: Permission(_roles(Role.supervisor), Scope.office),
    Action.record_decision_delivery: Permission(CASE_WORKERS, Scope.office),
    Action.record_appeal: Permission(CASE_WORKERS, Scope.office),
    Action.decide_appeal: Permission(_roles(Role.supervisor), Scope.office),
    # The decision queue and the "to reconsider" queue of the supervisor's own office.
    Action.view_work_queues: Permission(_roles(Role.supervisor), Scope.none, read_only=True),
    Action.reconsider_case: Permission(_roles(Role.supervisor), Scope.office),
    Action.view_audit_log: Permission(_roles(Role.auditor), Scope.none, read_only=True),
    Action.export_audit_log: Permission(_roles(Role.auditor), Scope.none, read_only=True),
    Action.view_case_timeline: Permission(
        _roles(Role.auditor, Role.supervisor), Scope.office, read_only=True
    ),
    Action.view_acknowledgement: Permission(CASE_READERS, Scope.office, read_only=True),
    # Caseworkers record what the family was told and how it reached them; supervisors may too.
    Action.record_acknowledgement: Permission(CASE_WORKERS, Scope.office),
    Action.record_apology_delivery: Permission(CASE_WORKERS, Scope.office),
    Action.record_family_response: Permission(CASE_WORKERS, Scope.office),
}


def _check_table() -> None:
    for action, permission in PERMISSIONS.items():
        if Role.auditor in permission.roles and not permission.read_only and (
            permission.scope in (Scope.office, Scope.shared)
        ):
            raise RuntimeError(f"auditors may not change case data ({action})")


_check_table()


def role_may(user: Any, action: Action) -> bool:
    """Whether the user's role may perform the action at all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[action].roles


def in_scope(user: Any, action: Action, obj: Any) -> bool:
    """Whether the object lies within the user's reach for this action."""
    scope = getattr(obj, "__scope__", Scope.office.value)
    if scope == Scope.administration:
        return user.role == Role.admin
    if user.role == Role.admin:
        return False
    if user.role == Role.auditor:
        return PERMISSIONS[action].read_only
    if scope == Scope.shared:
        return True
    return getattr(obj, "office_id", None) == user.office_id


def can(user: Any, action: Action, obj: Any = None) -> bool:
    """Whether the user may perform the action (on the object, when given)."""
    if not role_may(user, action):
        return False
    return obj is None or in_scope(user, action, obj)


def sees_every_office(user: Any) -> bool:
    """Whether the user's reach spans every office's cases (auditors, read-only), so that
    pages name the office of each case."""
    return getattr(user, "is_authenticated", False) and user.role == Role.auditor


def authorize(action: Action, obj: Any = None) -> None:
    """Abort unless the current user may perform the action on the object.

    A role that may never perform the action gets 403; an object outside the
    user's reach gets 404, exactly as if it did not exist.
    """
    if not role_may(current_user, action):
        signals.access_denied.send(current_app._get_current_object(), action=action, obj=obj)
        abort(403)
    if obj is not None and not in_scope(current_user, action, obj):
        signals.access_denied.send(current_app._get_current_object(), action=action, obj=obj)
        abort(404)


def authorized(action: Action, obj: Any) -> Any:
    """The loaded object, once the current user may perform the action on it: 404 when it
    was not found or lies outside the user's reach, 403 when the role may never act."""
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


def requires(action: Action) -> Callable:
    """Declare the action a view performs; checked before the view runs."""

    def decorate(view: Callable) -> Callable:
        view.casework_action = action
        return view

    return decorate


def public(view: Callable) -> Callable:
    """Declare a view open to anonymous users."""
    view.casework_public = True
    return view


def declared_access(view: Callable, endpoint: str = "") -> Action | str | None:
    # Static files (CSS, JavaScript, fonts) are served to anyone, including the login page.
    if endpoint == "static" or endpoint.endswith(".static"):
        return "public"
    if getattr(view, "casework_public", False):
        return "public"
    return getattr(view, "casework_action", None)


def enforce_route_access() -> Any:
    """before_request: refuse anonymous users and roles the route's action excludes."""
    if request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    access = declared_access(view, request.endpoint)
    if access == "public":
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if access is None:
        # Fail closed: a view that forgot to declare its access is nobody's.
        abort(403)
    if not role_may(current_user, access):
        signals.access_denied.send(current_app._get_current_object(), action=access, obj=None)
        abort(403)
    return None
