"""Login, TOTP, sessions and passwords, through the real forms."""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import select

from casework.auth.models import User
from casework.auth.passwords import verify_password
from casework.extensions import db
from tests.conftest import PASSWORD, current_totp, login


def _email(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


def test_login_form_uses_email_and_password_field_names(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert 'autocomplete="current-password"' in html


def test_caseworker_logs_in_with_email_and_password(app, client, create_user):
    user_id = create_user("caseworker")
    response = client.post("/login", data={"email": _email(app, user_id), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert b'data-home-role="caseworker"' in client.get("/").data


def test_email_is_matched_case_insensitively(app, client, create_user):
    user_id = create_user("caseworker", email="Layla@Example.org")
    response = client.post("/login", data={"email": "LAYLA@example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert _email(app, user_id) == "layla@example.org"


def test_bad_password_and_unknown_email_get_the_same_generic_message(app, client, create_user):
    user_id = create_user("caseworker")
    wrong = client.post("/login", data={"email": _email(app, user_id), "password": "nope" * 4})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_deactivated_user_cannot_log_in(app, client, create_user):
    user_id = create_user("caseworker")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = client.post("/login", data={"email": _email(app, user_id), "password": PASSWORD})
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_eleventh_attempt_on_one_account_is_throttled_with_429(app, create_user):
    user_id = create_user("caseworker")
    email = _email(app, user_id)
    for attempt in range(10):
        # Each attempt from a different address: the account limit alone must trip.
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}
        response = client.post("/login", data={"email": email, "password": "wrong-password-x"},
                               environ_base=environ)
        assert response.status_code == 200
    response = app.test_client().post(
        "/login", data={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_eleventh_failure_from_one_address_is_throttled_across_accounts(app, client):
    for attempt in range(10):
        response = client.post(
            "/login", data={"email": f"someone{attempt}@example.org", "password": "wrong-password-x"}
        )
        assert response.status_code == 200
    response = client.post("/login", data={"email": "other@example.org", "password": "x" * 12})
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_throttle(app, create_user):
    user_id = create_user("caseworker")
    for _ in range(12):
        client = app.test_client()
        login(client, app, user_id)


def test_x_forwarded_for_is_not_trusted_by_default(app):
    # Rotating X-Forwarded-For must not escape the per-address limit.
    client = app.test_client()
    for attempt in range(10):
        client.post("/login", data={"email": f"a{attempt}@example.org", "password": "w" * 12},
                    headers={"X-Forwarded-For": f"192.0.2.{attempt}"})
    response = client.post("/login", data={"email": "b@example.org", "password": "w" * 12},
                           headers={"X-Forwarded-For": "192.0.2.200"})
    assert response.status_code == 429


def test_supervisor_must_give_a_totp_code_after_the_password(app, client, create_user):
    user_id = create_user("supervisor")
    response = client.post("/login", data={"email": _email(app, user_id), "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/totp")
    assert client.get("/").status_code == 302  # not logged in yet
    bad = client.post("/login/totp", data={"code": "000000"})
    assert "not valid" in bad.get_data(as_text=True)
    good = client.post("/login/totp", data={"code": current_totp(app, user_id)})
    assert good.status_code == 302
    assert b'data-home-role="supervisor"' in client.get("/").data


def test_a_totp_code_is_accepted_once_only(app, create_user):
    user_id = create_user("admin")
    email = _email(app, user_id)
    code = current_totp(app, user_id)
    first = app.test_client()
    first.post("/login", data={"email": email, "password": PASSWORD})
    assert first.post("/login/totp", data={"code": code}).status_code == 302
    second = app.test_client()
    second.post("/login", data={"email": email, "password": PASSWORD})
    replay = second.post("/login/totp", data={"code": code})
    assert replay.status_code == 200
    assert "already been used" in replay.get_data(as_text=True)
    assert second.get("/").status_code == 302


def test_supervisor_without_totp_enrols_with_a_qr_code(app, client, create_user):
    user_id = create_user("supervisor", enrol_totp=False)
    response = client.post("/login", data={"email": _email(app, user_id), "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/totp/enrol")
    page = client.get("/login/totp/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    with client.session_transaction() as session:
        secret = session["pending_login"]["secret"]
    wrong = client.post("/login/totp/enrol", data={"code": "123456"})
    assert wrong.status_code == 200
    ok = client.post("/login/totp/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).totp_secret == secret


def test_password_step_expires_if_the_totp_step_never_comes(app, client, create_user):
    user_id = create_user("supervisor")
    client.post("/login", data={"email": _email(app, user_id), "password": PASSWORD})
    with client.session_transaction() as session:
        session["pending_login"] = {**session["pending_login"], "at": int(time.time()) - 3600}
    response = client.post("/login/totp", data={"code": current_totp(app, user_id)})
    assert response.headers["Location"].endswith("/login")


def test_session_is_rotated_at_login(app, client, create_user):
    user_id = create_user("caseworker")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, app, user_id)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_sid = session["sid"]
    client.post("/logout")
    login(client, app, user_id)
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def test_logout_ends_the_session(app, client, create_user):
    login(client, app, create_user("caseworker"))
    assert client.post("/logout").headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_idle_session_ends_after_30_minutes(app, client, create_user):
    login(client, app, create_user("caseworker"))
    with client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive_until_the_absolute_limit(app, client, create_user):
    login(client, app, create_user("caseworker"))
    with client.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["auth_at"] -= 12 * 3600 + 1
    assert client.get("/").status_code == 302


def test_deactivation_ends_every_session_of_the_user_at_once(app, create_user, login_as):
    user_id = create_user("caseworker")
    first, second = app.test_client(), app.test_client()
    login(first, app, user_id)
    login(second, app, user_id)
    admin = login_as("admin")
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"name": user.name, "role": "caseworker", "office_id": user.office_id}
    assert admin.post(f"/admin/users/{user_id}", data=data).status_code == 302  # active unticked
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, create_user):
    user_id = create_user("caseworker")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, app, user_id)
    login(elsewhere, app, user_id)
    new_password = "a-much-longer-new-passphrase"
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    fresh = app.test_client()
    login(fresh, app, user_id, password=new_password)


def test_password_change_refuses_wrong_current_short_and_common_passwords(app, create_user):
    user_id = create_user("caseworker")
    client = app.test_client()
    login(client, app, user_id)
    cases = [
        ("wrong-current-password", "a-much-longer-new-passphrase", "current password is not correct"),
        (PASSWORD, "short-pw", "at least 12 characters"),
        (PASSWORD, "password1234", "too common"),
    ]
    for current, new, message in cases:
        response = client.post("/account/password", data={
            "current_password": current, "password": new, "confirm": new})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context():
        # Nothing changed: the original password still works.
        user = db.session.scalar(select(User).where(User.id == user_id))
        assert verify_password(user.password_hash, PASSWORD)


def test_passwords_are_hashed_with_argon2id(app, create_user):
    user_id = create_user("caseworker")
    with app.app_context():
        assert db.session.get(User, user_id).password_hash.startswith("$argon2id$")


def test_login_redirects_only_to_local_paths(app, client, create_user):
    user_id = create_user("caseworker")
    response = client.post("/login?next=https://evil.example/", data={
        "email": _email(app, user_id), "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account/password", data={
        "email": _email(app, user_id), "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"
