"""The authorization kernel on its own: object scope, 403 against 404, the table's own check,
and views that declare no access.

Through pages, the route check refuses a role before any object is loaded, so the
object-level layer (an admin's reach, an auditor's read-only reach, office scope, 404
rather than 403) is exercised here directly, in a request with a logged-in user, on
records made by the real operations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_login import AnonymousUserMixin, login_user
from werkzeug.exceptions import Forbidden, NotFound

from casework import create_app
from casework.auth.models import Office, User
from casework.core import authz
from casework.core.authz import (
    PERMISSIONS,
    Action,
    Permission,
    Role,
    Scope,
    authorize,
    authorized,
    can,
    declared_access,
    in_scope,
    public,
    requires,
    role_may,
    sees_every_office,
)
from casework.extensions import db
from casework.intake.models import Case
from casework.intake.models.incidents import Incident
from tests.conftest import login
from tests.fixtures_audit import payload


@pytest.fixture
def office_staff(app, create_office, create_user, open_case, create_incident):
    """Ids: two offices, a user of each role, a case in the first office, an incident."""
    home, elsewhere = create_office(), create_office()
    return {
        "home": home, "elsewhere": elsewhere,
        "caseworker": create_user(Role.caseworker, office_id=home),
        "supervisor": create_user(Role.supervisor, office_id=home, enrol_totp=False),
        "other_caseworker": create_user(Role.caseworker, office_id=elsewhere),
        "auditor": create_user(Role.auditor),
        "admin": create_user(Role.admin, enrol_totp=False),
        "case": open_case(home),
        "incident": create_incident(),
    }


def _load(ids: dict, name: str):
    model = {"case": Case, "incident": Incident, "home": Office, "elsewhere": Office}.get(name, User)
    return db.session.get(model, ids[name])


def _reach(app, ids: dict, who: str, action: Action, what: str) -> bool:
    with app.app_context():
        return in_scope(_load(ids, who), action, _load(ids, what))


# (who, action, on what, whether it is in reach)
REACH = [
    # Case data: own office only for office staff, every office for auditors reading.
    ("caseworker", Action.edit_case, "case", True),
    ("other_caseworker", Action.view_case, "case", False),
    ("other_caseworker", Action.edit_case, "case", False),
    ("supervisor", Action.decide_eligibility, "case", True),
    ("auditor", Action.view_case, "case", True),
    ("auditor", Action.download_evidence, "case", True),
    # An auditor reaches nothing to change, even where a (widened) role check let one in.
    ("auditor", Action.edit_case, "case", False),
    ("auditor", Action.manage_incident, "incident", False),
    # Admins reach no case data, whatever the action.
    ("admin", Action.view_case, "case", False),
    ("admin", Action.view_incident, "incident", False),
    # Shared reference data (incidents): every office's staff.
    ("other_caseworker", Action.manage_incident, "incident", True),
    ("caseworker", Action.view_incident, "incident", True),
    ("auditor", Action.view_incident, "incident", True),
    # Administrative records (offices, users): admins only, staff of the office included.
    ("admin", Action.manage_offices, "home", True),
    ("admin", Action.manage_users, "caseworker", True),
    ("caseworker", Action.manage_offices, "home", False),
    ("supervisor", Action.manage_users, "caseworker", False),
    ("auditor", Action.manage_users, "other_caseworker", False),
]


def test_an_object_is_in_reach_only_within_the_user_s_scope(app, office_staff):
    for who, action, what, reaches in REACH:
        assert _reach(app, office_staff, who, action, what) is reaches, (who, action, what)


def test_a_record_that_declares_no_scope_is_treated_as_office_data(app, office_staff):
    class Note:  # e.g. a row of a later domain that forgot to say
        def __init__(self, office_id):
            self.office_id = office_id

    with app.app_context():
        caseworker = db.session.get(User, office_staff["caseworker"])
        assert in_scope(caseworker, Action.view_case, Note(office_staff["home"]))
        assert not in_scope(caseworker, Action.view_case, Note(office_staff["elsewhere"]))
        assert not in_scope(caseworker, Action.view_case, object())
        assert not in_scope(db.session.get(User, office_staff["admin"]), Action.view_case,
                            Note(None))


def test_can_needs_both_the_role_and_the_reach_and_answers_a_bool(app, office_staff):
    with app.app_context():
        case = db.session.get(Case, office_staff["case"])
        caseworker, other, supervisor, auditor, admin = (
            db.session.get(User, office_staff[name])
            for name in ("caseworker", "other_caseworker", "supervisor", "auditor", "admin"))
        answers = [
            (can(caseworker, Action.edit_case), True),
            (can(caseworker, Action.edit_case, case), True),
            (can(other, Action.edit_case), True),
            (can(other, Action.edit_case, case), False),
            (can(supervisor, Action.decide_appeal, case), True),
            (can(caseworker, Action.decide_appeal, case), False),
            (can(caseworker, Action.decide_appeal), False),
            (can(auditor, Action.view_case, case), True),
            (can(auditor, Action.edit_case, case), False),
            (can(admin, Action.view_case, case), False),
            (can(admin, Action.manage_users, caseworker), True),
            (can(None, Action.view_home), False),
            (can(AnonymousUserMixin(), Action.view_home), False),
            (role_may(AnonymousUserMixin(), Action.view_home), False),
            (role_may(object(), Action.view_home), False),  # not a user at all
            (role_may(supervisor, Action.decide_appeal), True),
        ]
        for number, (answer, expected) in enumerate(answers):
            assert answer is expected, number


def test_only_auditors_see_every_office(app, office_staff):
    with app.app_context():
        assert sees_every_office(db.session.get(User, office_staff["auditor"]))
        for name in ("caseworker", "supervisor", "admin"):
            assert not sees_every_office(db.session.get(User, office_staff[name])), name
        assert not sees_every_office(AnonymousUserMixin())
        assert not sees_every_office(None)


def _authorize_as(app, ids: dict, who: str, action: Action, what: str | None):
    """authorize() in a request by `who`; returns the HTTP error it raised, or None."""
    with app.test_request_context("/probe"):
        login_user(db.session.get(User, ids[who]))
        try:
            authorize(action, _load(ids, what) if what else None)
        except (Forbidden, NotFound) as refused:
            return refused.code
        finally:
            db.session.rollback()
        return None


# (who, action, on what, the HTTP error authorize() raises or None)
ANSWERS = [
    ("caseworker", Action.edit_case, "case", None),
    ("caseworker", Action.edit_case, None, None),
    # Out of reach: 404, exactly as if the case did not exist.
    ("other_caseworker", Action.view_case, "case", 404),
    ("auditor", Action.view_case, "case", None),
    ("admin", Action.manage_offices, "home", None),
    # A role that may never act: 403, whether the object is in reach or not.
    ("caseworker", Action.decide_eligibility, "case", 403),
    ("other_caseworker", Action.decide_eligibility, "case", 403),
    ("caseworker", Action.decide_eligibility, None, 403),
    ("admin", Action.view_case, "case", 403),
    ("auditor", Action.edit_case, "case", 403),
]


def test_authorize_answers_403_for_the_role_and_404_for_an_object_out_of_reach(
        app, office_staff, audit_events):
    refused = 0
    for who, action, what, answer in ANSWERS:
        where = (who, action, what)
        assert _authorize_as(app, office_staff, who, action, what) == answer, where
        refusals = audit_events("access.denied")
        if answer is not None:  # each refusal is audited, with the action and who was refused
            refused += 1
            assert payload(refusals[-1])["details"]["action"] == action.value, where
            assert refusals[-1].actor_id == office_staff[who], where
        assert len(refusals) == refused, where


def test_authorized_gives_back_the_object_in_reach_and_404_for_a_missing_one(app, office_staff):
    with app.test_request_context("/probe"):
        login_user(db.session.get(User, office_staff["caseworker"]))
        case = db.session.get(Case, office_staff["case"])
        assert authorized(Action.view_case, case) is case
        with pytest.raises(NotFound):
            authorized(Action.view_case, None)
        with pytest.raises(Forbidden):
            authorized(Action.decide_eligibility, case)
        db.session.rollback()


@pytest.mark.parametrize(("action", "permission"), [
    (Action.edit_case, Permission(frozenset({Role.auditor}), Scope.office)),
    (Action.manage_incident, Permission(frozenset({Role.auditor, Role.caseworker}), Scope.shared)),
])
def test_the_table_check_refuses_a_row_letting_auditors_change_case_data(
        monkeypatch, action, permission):
    monkeypatch.setitem(PERMISSIONS, action, permission)
    with pytest.raises(RuntimeError) as refused:
        authz._check_table()
    assert str(refused.value) == f"auditors may not change case data ({action})"


@pytest.mark.parametrize("permission", [
    Permission(frozenset({Role.auditor}), Scope.office, read_only=True),
    Permission(frozenset({Role.auditor}), Scope.none),
    Permission(frozenset({Role.auditor}), Scope.administration),
    Permission(frozenset({Role.caseworker}), Scope.office),
])
def test_the_table_check_accepts_auditors_reading_and_others_changing(monkeypatch, permission):
    monkeypatch.setitem(PERMISSIONS, Action.edit_case, permission)
    authz._check_table()


def test_the_table_cannot_be_changed_in_place_at_run_time():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PERMISSIONS[Action.decide_appeal].roles = frozenset(Role)


def test_declared_access_reads_the_view_s_declaration():
    def undeclared():
        return ""

    assert declared_access(undeclared, "somewhere.undeclared") is None
    assert declared_access(requires(Action.view_case)(undeclared), "intake.case") == Action.view_case
    assert declared_access(public(lambda: ""), "auth.login") == "public"
    # Static files: the application's and any blueprint's.
    assert declared_access(lambda: "", "static") == "public"
    assert declared_access(lambda: "", "intake.static") == "public"
    assert declared_access(lambda: "", "intake.statics") is None


@pytest.fixture
def probe_app(app) -> Iterator[Flask]:
    """A second application on the test database, with views of each kind of declaration
    (routes can be added only before an application's first request)."""
    probe = create_app({
        "CASEWORK_ENV": "testing", "SECRET_KEY": "probe-secret-key", "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": app.config["DATABASE_URL"], "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8192, "SERVER_NAME": None,
        "SQLALCHEMY_ENGINE_OPTIONS": app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    })
    probe.add_url_rule("/probe/undeclared", "probe_undeclared", lambda: "reached")
    probe.add_url_rule("/probe/public", "probe_public", public(lambda: "open"))
    probe.add_url_rule("/probe/audit", "probe_audit", requires(Action.view_audit_log)(lambda: "log"))
    yield probe
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_view_that_declares_no_access_is_refused_to_everyone(probe_app, create_user):
    anonymous = probe_app.test_client()
    assert anonymous.get("/probe/public").get_data(as_text=True) == "open"
    refused = anonymous.get("/probe/undeclared")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    for role in (Role.caseworker, Role.auditor):
        client = probe_app.test_client()
        login(client, probe_app, create_user(role))
        assert client.get("/probe/undeclared").status_code == 403, role
        assert client.get("/probe/public").status_code == 200, role


def test_a_declared_view_is_refused_to_other_roles_with_an_audited_403(probe_app, create_user,
                                                                       audit_events):
    auditor, caseworker = probe_app.test_client(), probe_app.test_client()
    login(auditor, probe_app, create_user(Role.auditor))
    login(caseworker, probe_app, create_user(Role.caseworker))
    assert auditor.get("/probe/audit").get_data(as_text=True) == "log"
    assert audit_events("access.denied") == []
    assert caseworker.get("/probe/audit").status_code == 403
    [refusal] = audit_events("access.denied")
    assert payload(refusal)["details"]["action"] == "audit.view"
    # An unknown address is a plain 404, not a refusal nor a trip to the login page.
    assert probe_app.test_client().get("/probe/nowhere").status_code == 404
