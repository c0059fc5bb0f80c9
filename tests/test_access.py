"""Access control over the whole URL map: anonymous users and every role.

The routes are read from the application itself, so a route added later is covered
without touching this file: it must declare its action (or be on the public list),
anonymous users must be sent to the login page, and each role must get exactly
what the authorization table grants it.

What the table grants is written out here by hand (EXPECTED_PERMISSIONS), from the
roles' duties in the README, so that a row widened in `casework/core/authz.py` (say,
caseworkers deciding appeals) fails here instead of being compared with itself.
"""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from casework.core.authz import PERMISSIONS, Role, declared_access

# The only routes open to anonymous users, each for a reason.
PUBLIC_ENDPOINTS = {
    "static": "CSS, JavaScript and fonts for every page, the login page included",
    "auth.login": "the login form",
    "auth.totp": "the second login step; it works only after the password step",
    "auth.totp_enrol": "first TOTP set-up; it works only after the password step",
    "home.healthz": "health check for load balancers and monitoring",
    "home.set_language": "the language switch on the login page",
    "audit.checkpoint_list": "signed audit checkpoints, for outside witnesses to keep copies",
    "home.favicon": "the site icon browsers ask for on every page",
}
CW, SV, AU, AD = "caseworker", "supervisor", "auditor", "admin"
CASE_WORKERS, CASE_READERS, EVERYONE = {CW, SV}, {CW, SV, AU}, {CW, SV, AU, AD}
# action (its name as the audit trail records refusals): (roles, scope, read-only).
EXPECTED_PERMISSIONS = {
    "home.view": (EVERYONE, "none", True),
    "account.manage": (EVERYONE, "none", False),
    "offices.manage": ({AD}, "administration", False),
    "users.manage": ({AD}, "administration", False),
    "case.view": (CASE_READERS, "office", True),
    "case.create": (CASE_WORKERS, "office", False),
    "case.edit": (CASE_WORKERS, "office", False),
    "case.transition": (CASE_WORKERS, "office", False),
    "case.assign": ({SV}, "office", False),
    "case.import": ({SV}, "office", False),
    "case.search": (CASE_READERS, "none", True),
    "incident.view": (CASE_READERS, "shared", True),
    "incident.manage": (CASE_WORKERS, "shared", False),
    "incident.assess": ({SV}, "shared", False),
    "evidence.upload": (CASE_WORKERS, "office", False),
    "evidence.download": (CASE_READERS, "office", True),
    "evidence.withdraw": (CASE_WORKERS, "office", False),
    "duplicates.view": (CASE_READERS, "office", True),
    "duplicates.decide": ({SV}, "office", False),
    "eligibility.criteria.manage": ({AD}, "administration", False),
    "eligibility.review": (CASE_WORKERS, "office", False),
    "eligibility.decide": ({SV}, "office", False),
    "eligibility.delivery": (CASE_WORKERS, "office", False),
    "eligibility.appeal": (CASE_WORKERS, "office", False),
    "eligibility.appeal.decide": ({SV}, "office", False),
    "eligibility.queues": ({SV}, "none", True),
    "eligibility.reconsider": ({SV}, "office", False),
    "audit.view": ({AU}, "none", True),
    "audit.export": ({AU}, "none", True),
    "audit.case_timeline": ({AU, SV}, "office", True),
    "acknowledgement.view": (CASE_READERS, "office", True),
    "acknowledgement.record": (CASE_WORKERS, "office", False),
    "acknowledgement.deliver": (CASE_WORKERS, "office", False),
    "acknowledgement.respond": (CASE_WORKERS, "office", False),
}
# Routes left out of the role walk because following them ends the walking session.
ENDS_SESSION = {"auth.logout"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method


def _url(app, rule) -> str:
    values = {}
    for argument in rule.arguments:
        converter = rule._converters.get(argument)
        values[argument] = 999_999 if isinstance(converter, IntegerConverter) else "x"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_the_authorization_table_grants_exactly_the_expected_roles_scope_and_writes():
    granted = {action.value: ({role.value for role in permission.roles}, permission.scope.value,
                              permission.read_only)
               for action, permission in PERMISSIONS.items()}
    assert set(granted) == set(EXPECTED_PERMISSIONS), "an action was added or removed"
    for action, expected in EXPECTED_PERMISSIONS.items():
        assert granted[action] == expected, action
    assert {role.value for role in Role} == EVERYONE


def test_every_route_declares_its_access_and_the_public_list_is_explicit(app):
    declared_public = set()
    for rule in app.url_map.iter_rules():
        access = declared_access(app.view_functions[rule.endpoint], rule.endpoint)
        assert access is not None, f"{rule.endpoint} ({rule.rule}) declares no access"
        if access == "public":
            declared_public.add(rule.endpoint)
        else:
            assert access in PERMISSIONS, f"{rule.endpoint}: {access} is not in the table"
    assert declared_public == set(PUBLIC_ENDPOINTS)


def test_anonymous_users_are_sent_to_login_from_every_non_public_route(app, client):
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.open(_url(app, rule), method=method)
        assert response.status_code == 302, f"{method} {rule.rule}: {response.status_code}"
        assert "/login" in response.headers["Location"], f"{method} {rule.rule}"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_what_the_table_grants(app, role, login_as):
    client = login_as(role)
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in ENDS_SESSION:
            continue
        action = declared_access(app.view_functions[rule.endpoint], rule.endpoint)
        response = client.open(_url(app, rule), method=method)
        where = f"{role} {method} {rule.rule} ({action})"
        if role in EXPECTED_PERMISSIONS[action][0]:
            assert response.status_code != 403, where
            location = response.headers.get("Location", "")
            assert not location.endswith("/login"), f"{where}: sent to login"
        else:
            assert response.status_code == 403, f"{where}: {response.status_code}"
        assert response.status_code < 500, where
    assert client.get("/").status_code == 200  # the walk did not end the session


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("caseworker", [], ["/admin/users", "/admin/offices"]),
        ("supervisor", [], ["/admin/users", "/admin/offices"]),
        ("auditor", [], ["/admin/users", "/admin/offices"]),
        ("admin", ["/admin/users", "/admin/offices"], []),
    ],
)
def test_home_page_navigation_matches_the_role(login_as, role, visible, hidden):
    html = login_as(role).get("/").get_data(as_text=True)
    assert f'data-home-role="{role}"' in html
    for link in visible:
        assert f'href="{link}"' in html
    for link in hidden:
        assert f'href="{link}"' not in html


def test_admin_edits_users_but_an_unknown_user_is_404(app, login_as):
    admin = login_as("admin")
    assert admin.get("/admin/users/999999").status_code == 404
