"""Admins reset another user's password or two-step login: confirmed by a form, refused for
the admin's own account and for every other role, audited without secrets; the user's
sessions end, and the user sets a new password (or authenticator) at the next login before
anything else."""

from __future__ import annotations

import re

import pyotp
import pytest

from casework.auth.models import User
from casework.core.authz import Role
from casework.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.fixtures_audit import payload

TEMPORARY = "hand-over-temporary-2026"
NEW_PASSWORD = "a-new-passphrase-of-my-own"


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _password_reset(client, user_id: int, temporary: str = TEMPORARY):
    return client.post(f"/admin/users/{user_id}/password-reset",
                       data={"temporary_password": temporary})


def _log_in_with(client, app, user_id: int, password: str):
    email = _user(app, user_id).email
    return client.post("/login", data={"email": email, "password": password})


# Who may reset


@pytest.mark.parametrize("role", [Role.caseworker, Role.supervisor, Role.auditor])
def test_only_admins_reach_the_reset_pages(app, login_as, create_user, role):
    target = create_user(Role.supervisor)
    before = _user(app, target)
    client = login_as(role)
    for path in (f"/admin/users/{target}/password-reset", f"/admin/users/{target}/totp-reset"):
        assert client.get(path).status_code == 403, (role, path)
        assert client.post(path, data={"temporary_password": TEMPORARY}).status_code == 403
    after = _user(app, target)
    assert (after.password_hash, after.totp_secret, after.session_token) == (
        before.password_hash, before.totp_secret, before.session_token)


def test_an_admin_sees_the_reset_offers_on_another_user_s_page_only(app, login_as, create_user):
    admin = login_as(Role.admin)
    other = create_user(Role.supervisor)
    page = admin.get(f"/admin/users/{other}").get_data(as_text=True)
    assert f"/admin/users/{other}/password-reset" in page
    assert f"/admin/users/{other}/totp-reset" in page
    own = admin.get(f"/admin/users/{admin.user_id}").get_data(as_text=True)
    assert "password-reset" not in own and "totp-reset" not in own
    assert admin.get("/admin/users/999999/password-reset").status_code == 404


def test_an_admin_cannot_reset_their_own_password_or_two_step_login_here(app, login_as):
    admin = login_as(Role.admin)
    before = _user(app, admin.user_id)
    page = admin.get(f"/admin/users/{admin.user_id}/password-reset").get_data(as_text=True)
    assert "data-own-account" in page and "data-password-reset" not in page
    assert "/account/password" in page  # sent to the normal change-password page
    response = _password_reset(admin, admin.user_id)
    assert response.status_code == 409
    response = admin.post(f"/admin/users/{admin.user_id}/totp-reset")
    assert response.status_code == 409
    after = _user(app, admin.user_id)
    assert (after.password_hash, after.totp_secret, after.must_change_password) == (
        before.password_hash, before.totp_secret, False)
    assert admin.get("/").status_code == 200  # still logged in


def test_opening_a_reset_page_changes_nothing_until_the_form_is_sent(app, login_as,
                                                                      create_user):
    target = create_user(Role.caseworker)
    before = _user(app, target)
    admin = login_as(Role.admin)
    page = admin.get(f"/admin/users/{target}/password-reset")
    assert page.status_code == 200 and "data-password-reset" in page.get_data(as_text=True)
    assert _user(app, target).password_hash == before.password_hash


def test_a_reset_needs_the_form_s_csrf_token(app, login_as, create_user):
    target = create_user(Role.supervisor)
    before = _user(app, target)
    admin = login_as(Role.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _password_reset(admin, target).status_code == 400
        assert admin.post(f"/admin/users/{target}/totp-reset").status_code == 400
        page = admin.get(f"/admin/users/{target}/totp-reset").get_data(as_text=True)
        response = admin.post(f"/admin/users/{target}/totp-reset",
                              data={"csrf_token": csrf_token_from(page)})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    after = _user(app, target)
    assert after.password_hash == before.password_hash and after.totp_secret is None


# Password reset


def test_a_password_reset_ends_the_user_s_sessions_and_shows_the_password_once(
        app, login_as, create_user):
    target = create_user(Role.caseworker)
    elsewhere = app.test_client()
    login(elsewhere, app, target)
    admin = login_as(Role.admin)
    response = _password_reset(admin, target)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-temporary-password>{TEMPORARY}<' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert elsewhere.get("/").status_code == 302  # the old session no longer loads
    user = _user(app, target)
    assert user.must_change_password
    # The admin's user page and list say the password is temporary; they never show it again.
    for path in (f"/admin/users/{target}", "/admin/users"):
        shown = admin.get(path).get_data(as_text=True)
        assert "data-must-change-password" in shown or "temporary" in shown
        assert TEMPORARY not in shown
    assert _log_in_with(app.test_client(), app, target, PASSWORD).status_code == 200  # refused


def test_a_generated_temporary_password_meets_the_policy_and_logs_in(app, login_as,
                                                                      create_user):
    target = create_user(Role.caseworker)
    admin = login_as(Role.admin)
    page = _password_reset(admin, target, temporary="").get_data(as_text=True)
    password = re.search(r"data-temporary-password>([^<]+)<", page).group(1)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3,}", password)
    assert len(password) >= app.config["PASSWORD_MIN_LENGTH"]
    response = _log_in_with(app.test_client(), app, target, password)
    assert response.status_code == 302


def test_a_temporary_password_follows_the_password_policy(app, login_as, create_user):
    target = create_user(Role.caseworker)
    before = _user(app, target)
    admin = login_as(Role.admin)
    response = _password_reset(admin, target, temporary="short")
    assert response.status_code == 200
    # Shown at the field, not above the form.
    assert ('<div class="invalid-feedback d-block">A password needs at least 12 characters.'
            in response.get_data(as_text=True))
    after = _user(app, target)
    assert after.password_hash == before.password_hash and not after.must_change_password


def test_after_a_reset_the_user_may_only_change_the_password_or_log_out(
        app, login_as, create_user, workflow_case):
    people = workflow_case()
    admin = login_as(Role.admin)
    _password_reset(admin, people.caseworker_id)
    client = app.test_client()
    response = _log_in_with(client, app, people.caseworker_id, TEMPORARY)
    assert response.status_code == 302
    for path in ("/", "/cases", f"/cases/{people.case_id}", "/cases/new", "/search?q=a"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/password"), path
    page = client.get("/account/password")
    assert page.status_code == 200 and "data-must-change-password" in page.get_data(as_text=True)
    refused = client.post(f"/cases/{people.case_id}/edit", data={"contact_phone": "1"})
    assert refused.headers["Location"].endswith("/account/password")
    assert client.post("/language", data={"lang": "ar", "next": "/"}).status_code == 302
    assert client.get("/static/css/casework.css").status_code == 200
    # The temporary password cannot be kept: the new one must differ.
    same = client.post("/account/password", data={
        "current_password": TEMPORARY, "password": TEMPORARY, "confirm": TEMPORARY})
    assert same.status_code == 200 and _user(app, people.caseworker_id).must_change_password
    changed = client.post("/account/password", data={
        "current_password": TEMPORARY, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not _user(app, people.caseworker_id).must_change_password
    assert client.get(f"/cases/{people.case_id}").status_code == 200
    login(app.test_client(), app, people.caseworker_id, password=NEW_PASSWORD)


def test_a_user_given_a_temporary_password_may_log_out(app, login_as, create_user):
    target = create_user(Role.caseworker)
    _password_reset(login_as(Role.admin), target)
    client = app.test_client()
    _log_in_with(client, app, target, TEMPORARY)
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/account/password").status_code == 302  # to the login page now


def test_a_password_reset_is_audited_as_the_admin_s_change_without_secrets(
        app, login_as, create_user, audit_events):
    target = create_user(Role.caseworker)
    admin = login_as(Role.admin)
    _password_reset(admin, target)
    [reset] = [event for event in audit_events("update", entity_type="users",
                                               entity_id=str(target))
               if "must_change_password" in payload(event)["changes"]]
    assert reset.actor_id == admin.user_id
    changes = payload(reset)["changes"]
    assert changes["must_change_password"] == {"old": False, "new": True}
    assert changes["password_hash"] == {"secret": True}
    assert changes["session_token"] == {"secret": True}
    user = _user(app, target)
    for event in audit_events():
        assert TEMPORARY not in event.payload and user.password_hash not in event.payload


# Two-step login reset


def test_a_two_step_login_reset_ends_sessions_and_the_user_enrols_again(
        app, login_as, create_user, audit_events):
    target = create_user(Role.supervisor)
    elsewhere = app.test_client()
    login(elsewhere, app, target)
    old_secret = _user(app, target).totp_secret
    admin = login_as(Role.admin)
    page = admin.get(f"/admin/users/{target}/totp-reset").get_data(as_text=True)
    assert "data-totp-reset" in page
    response = admin.post(f"/admin/users/{target}/totp-reset")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{target}")
    assert elsewhere.get("/").status_code == 302
    user = _user(app, target)
    assert user.totp_secret is None and user.totp_last_counter is None
    assert not user.must_change_password  # the password stays as it was
    # At the next login, after the password, the user sets up an authenticator again.
    client = app.test_client()
    response = _log_in_with(client, app, target, PASSWORD)
    assert response.headers["Location"].endswith("/login/totp/enrol")
    assert client.get("/login/totp/enrol").status_code == 200
    with client.session_transaction() as session:
        secret = session["pending_login"]["secret"]
    assert secret != old_secret
    assert client.post("/login/totp/enrol",
                       data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/").status_code == 200
    # Audited as the admin's change of the user, secrets as changed only.
    [reset] = [event for event in audit_events("update", entity_type="users",
                                               entity_id=str(target))
               if event.actor_id == admin.user_id]
    changes = payload(reset)["changes"]
    assert changes["totp_secret"] == {"secret": True}
    assert changes["session_token"] == {"secret": True}
    for event in audit_events():
        assert old_secret not in event.payload


def test_a_two_step_login_reset_is_refused_for_a_user_without_one(app, login_as, create_user):
    target = create_user(Role.caseworker)
    admin = login_as(Role.admin)
    assert "data-not-enrolled" in admin.get(
        f"/admin/users/{target}/totp-reset").get_data(as_text=True)
    before = _user(app, target)
    assert admin.post(f"/admin/users/{target}/totp-reset").status_code == 409
    assert _user(app, target).session_token == before.session_token


def test_an_admin_s_two_step_login_is_reset_by_another_admin(app, login_as, create_user):
    other_admin = create_user(Role.admin)
    admin = login_as(Role.admin)
    assert admin.post(f"/admin/users/{other_admin}/totp-reset").status_code == 302
    client = app.test_client()
    response = _log_in_with(client, app, other_admin, PASSWORD)
    assert response.headers["Location"].endswith("/login/totp/enrol")
