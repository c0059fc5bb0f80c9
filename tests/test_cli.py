"""The command-line interface calls the same operations as the pages."""

from __future__ import annotations

import pyotp
from sqlalchemy import func, select

from casework import create_app
from casework.auth.models import Office, User
from casework.extensions import db
from tests.conftest import login


def test_offices_create(app):
    result = app.test_cli_runner().invoke(
        args=["offices", "create", "RQA", "Raqqa field office", "--tz", "Asia/Damascus"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Office.name).where(Office.code == "RQA"))


def test_offices_create_refuses_an_unknown_time_zone(app):
    result = app.test_cli_runner().invoke(args=["offices", "create", "RQA", "X", "--tz", "Mars/Base"])
    assert result.exit_code != 0 and "Unknown time zone" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Office.id))) == 0


def test_users_create_reads_the_password_from_stdin(app, create_office):
    create_office("RQA")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "cw@example.org", "--name", "Amal Hussein", "--role",
              "caseworker", "--office", "RQA", "--password-stdin"],
        input="a-long-initial-passphrase\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "cw@example.org"))
    login(app.test_client(), app, user_id, password="a-long-initial-passphrase")


def test_users_create_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "audit@example.org", "--name", "A", "--role", "auditor"],
        input="a-long-initial-passphrase\na-long-initial-passphrase\n")
    assert result.exit_code == 0, result.output


def test_users_create_refuses_a_weak_password_and_an_unknown_office(app, create_office):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "x@example.org", "--name", "X", "--role",
                               "auditor", "--password-stdin"], input="password\n")
    assert weak.exit_code != 0 and "at least 12" in weak.output
    no_office = runner.invoke(args=["users", "create", "y@example.org", "--name", "Y", "--role",
                                    "caseworker", "--office", "NOPE", "--password-stdin"],
                              input="a-long-initial-passphrase\n")
    assert no_office.exit_code != 0 and "No office" in no_office.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_demo_seed_creates_a_user_per_role_and_prints_logins_and_totp_uris(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--password", "demo-pass-2026-x"])
    assert result.exit_code == 0, result.output
    for email in ("caseworker@demo.casework", "supervisor@demo.casework",
                  "auditor@demo.casework", "admin@demo.casework",
                  "caseworker2@demo.casework", "supervisor2@demo.casework",
                  "supervisor.b@demo.casework"):
        assert email in result.output
    # Supervisors (three) and the admin enrol in TOTP.
    assert result.output.count("otpauth://totp/") == 4
    with app.app_context():
        supervisor = db.session.scalar(select(User).where(User.email == "supervisor@demo.casework"))
        secret = supervisor.totp_secret
    client = app.test_client()
    client.post("/login", data={"email": "supervisor@demo.casework",
                                "password": "demo-pass-2026-x"})
    assert client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert b'data-home-role="supervisor"' in client.get("/").data


def test_demo_seed_with_a_random_password_prints_it(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0
    assert "password for all: " in result.output


def test_demo_seed_runs_once_and_if_empty_is_a_no_op(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code != 0 and "already has users" in again.output
    assert runner.invoke(args=["demo", "seed", "--if-empty"]).exit_code == 0


def test_demo_totp_prints_the_current_code(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["demo", "totp", "admin@demo.casework"])
    assert result.exit_code == 0 and result.output.strip().isdigit()


def test_demo_seed_is_refused_in_production(app, production_settings):
    production = create_app({**production_settings, "DATABASE_URL": app.config["DATABASE_URL"]})
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "refused" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
