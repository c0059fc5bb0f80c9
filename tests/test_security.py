"""Security baseline: CSRF, headers, cookies, error pages, configuration refusals, health."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from casework import PROJECT_ROOT, create_app
from casework.config import ConfigurationError
from tests.conftest import csrf_token_from, login


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_form_posted_without_csrf_token_is_refused_with_400(app, client, csrf_on, create_user):
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_a_form_with_a_valid_csrf_token_is_accepted(app, client, csrf_on, create_user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12,
                                           "csrf_token": token})
    assert response.status_code == 200  # the form ran: wrong password, not a CSRF refusal


def test_logout_by_a_cross_site_form_is_refused(app, login_as):
    client = login_as("caseworker")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/logout").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert client.get("/").status_code == 200


def _assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_every_kind_of_response_has_the_security_headers(app, client, login_as):
    anonymous = [client.get(path) for path in
                 ("/login", "/healthz", "/static/css/casework.css", "/no-such-page", "/")]
    signed_in = login_as("caseworker")
    responses = anonymous + [signed_in.get("/"), signed_in.get("/admin/users")]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 302, 200, 403]
    for response in responses:
        _assert_security_headers(response)
    assert "Strict-Transport-Security" not in responses[0].headers


def test_hsts_is_sent_over_https(client):
    response = client.get("/login", base_url="https://casework.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_script_or_style(app, client, login_as):
    pages = [client.get("/login").get_data(as_text=True)]
    admin = login_as("admin")
    pages += [admin.get(path).get_data(as_text=True) for path in
              ("/", "/admin/users", "/admin/users/new", "/admin/offices", "/admin/offices/new")]
    for html in pages:
        assert "<script>" not in html and " style=" not in html and "<style" not in html
        assert "https://" not in html and "http://" not in html  # nothing from another host


def test_session_cookie_is_httponly_and_samesite_lax(app, client, create_user):
    login(client, app, create_user("caseworker"))
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # testing; production sets Secure (below)


def test_cookies_are_secure_in_production(production_settings):
    app = create_app({**production_settings, "DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app({"CASEWORK_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_refusal_is_a_clear_message_on_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "TEST_DATABASE_URL")}
    env.update(CASEWORK_ENV="production", CASEWORK_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_error_pages_show_no_traceback(tmp_path):
    app = create_app({"CASEWORK_ENV": "development", "DATABASE_URL": "sqlite://",
                      "SECRET_KEY": "x" * 32})
    app.instance_path = str(tmp_path)

    from casework.core.authz import public

    @public
    def explode():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "secret internal detail" not in body
    assert "Nothing was saved" in body


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "x" * 32,
                      "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] != "ok"
