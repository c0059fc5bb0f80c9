"""Test fixtures: the app built once per session on a database made by the migrations.

Set TEST_DATABASE_URL to run the suite on PostgreSQL; otherwise a SQLite file in a
temporary directory is used. After every test all rows are removed, so each test
starts from the empty, migrated schema.
"""

from __future__ import annotations

import os
import re
import time

import pyotp
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from casework import create_app
from casework.auth import operations as auth_operations
from casework.auth import operations as core_operations
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.extensions import db, limiter

PASSWORD = "correct-horse-battery-7"

pytest_plugins = ["tests.browser_fixtures", "tests.fixtures_audit", "tests.fixtures_evidence",
                  "tests.fixtures_search", "tests.fixtures_intake",
                   "tests.fixtures_acknowledgement",
                   "tests.fixtures_eligibility", "tests.fixtures_import"]


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "casework-test.sqlite3")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        # Each pytest-xdist worker gets a database of its own next to the one given.
        url = _create_database(make_url(url), f"{make_url(url).database}_{worker}")
    return url


def _create_database(url, name: str) -> str:
    server = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"),
                           isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def engine_options() -> dict:
    options: dict = {"pool_pre_ping": True}
    if is_postgresql():
        # The suite's commits need not survive a power cut: no fsync wait at each commit.
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return options


def is_postgresql() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"))


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "CASEWORK_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
            "SERVER_NAME": None,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(),
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        _reset_schema()
        # Building the schema through every migration, down and up again, proves both ways work.
        upgrade()
        downgrade(revision="base")
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _delete_all_rows() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replica mode skips triggers: the audit table's refusal of DELETE and the foreign
            # key checks. DELETE of a few rows is ~20 times faster than TRUNCATE of every table.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            # Planner statistics left by a test that ran ANALYZE (demo generate) would steer
            # the next tests' query plans by data that is gone.
            if connection.execute(text(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
                connection.execute(text("DELETE FROM sqlite_stat1"))
                connection.execute(text("ANALYZE sqlite_schema"))


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        db.session.remove()
        _delete_all_rows()
        limiter.reset()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def create_office(app):
    """Factory: an office, committed so that requests in the test can see it."""
    counter = iter(range(1, 10_000))

    def create(code: str | None = None, name: str = "Test office", timezone="Asia/Damascus"):
        with app.app_context():
            code = code or "OF" + "".join(chr(65 + int(d)) for d in f"{next(counter):03d}")
            office = core_operations.create_office(code, name, timezone)
            db.session.commit()
            return office.id

    return create


@pytest.fixture
def create_user(app, create_office):
    """Factory: a user with the test password; supervisors and admins enrolled in TOTP."""
    counter = iter(range(1, 10_000))

    def create(role: Role | str = Role.caseworker, office_id: int | None = None,
               email: str | None = None, enrol_totp: bool = True, name: str = "Test User"):
        role = Role(role)
        with app.app_context():
            if office_id is None and role in (Role.caseworker, Role.supervisor):
                office_id = create_office()
            office = db.session.get(Office, office_id) if office_id else None
            email = email or f"{role}{next(counter)}@example.org"
            user = auth_operations.create_user(email, name, role, office, PASSWORD)
            if enrol_totp and user.requires_totp:
                secret = pyotp.random_base32()
                auth_operations.enrol_totp(user, secret, pyotp.TOTP(secret).at(time.time() - 30))
            db.session.commit()
            return user.id

    return create


def current_totp(app, user_id: int) -> str:
    """A code the user has not used yet: the current one, or the next if it was used."""
    with app.app_context():
        user = db.session.get(User, user_id)
        totp = pyotp.TOTP(user.totp_secret)
        step = int(time.time() // 30)
        if user.totp_last_counter is not None and user.totp_last_counter >= step:
            step = user.totp_last_counter + 1
        return totp.generate_otp(step)


def login(client, app, user_id: int, password: str = PASSWORD):
    """Log in through the real forms (password, then TOTP where the role needs it)."""
    with app.app_context():
        email = db.session.get(User, user_id).email
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/login/totp"):
        response = client.post("/login/totp", data={"code": current_totp(app, user_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not response.headers["Location"].endswith("/login"), "login failed"
    return response


@pytest.fixture
def login_as(app, create_user):
    """Factory: a logged-in test client for a new user of the role."""

    def make(role: Role | str, office_id: int | None = None, **kwargs):
        user_id = create_user(role, office_id=office_id, **kwargs)
        client = app.test_client()
        login(client, app, user_id)
        client.user_id = user_id
        return client

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
