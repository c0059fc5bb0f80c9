"""Test fixtures: the app built once per session on a database made by the migrations.

Set TEST_DATABASE_URL to run the suite on PostgreSQL; otherwise a SQLite file in a
temporary directory is used. After every test all rows are removed, so each test
starts from the empty, migrated schema.

On PostgreSQL the suite runs as production does (README, Production): TEST_DATABASE_URL
is a superuser's, used only to create a database and its two roles with the SQL that
`flask db roles` prints; the migrations run as the owner role, the application as the
application role (which may never change the audit trail), and the cleanup between tests
as the owner.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import URL, create_engine, make_url, text

from casework import create_app
from casework.auth import operations as auth_operations
from casework.auth import operations as core_operations
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.core.database import owner_engine
from casework.extensions import db, limiter
from casework.maintenance.roles import roles_of, run_script, setup_sql

PASSWORD = "correct-horse-battery-7"

pytest_plugins = ["tests.browser_fixtures", "tests.fixtures_audit", "tests.fixtures_evidence",
                  "tests.fixtures_search", "tests.fixtures_intake",
                   "tests.fixtures_acknowledgement",
                   "tests.fixtures_eligibility", "tests.fixtures_import",
                   "tests.fixtures_redis", "tests.fixtures_dates"]


@dataclass(frozen=True)
class SuiteDatabase:
    """Where the suite's app connects: as the application role, and as the schema owner."""

    url: str  # DATABASE_URL: the application role's
    owner_url: str | None = None  # MIGRATION_DATABASE_URL: the owner's (PostgreSQL only)


def database_url(tmp_path_factory) -> SuiteDatabase:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return SuiteDatabase("sqlite:///" + str(tmp_path_factory.mktemp("db") / "casework-test.sqlite3"))
    # Each pytest-xdist worker gets a database of its own next to the one given.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{make_url(url).database}_{worker}" if worker else make_url(url).database
    return _create_database(make_url(url), name)


def _create_database(admin: URL, name: str) -> SuiteDatabase:
    """A new, empty database with roles `<name>_owner` and `<name>_app`, set up by `db roles`."""
    roles = roles_of(f"{name}_owner", f"{name}_app", name)
    password = secrets.token_hex(16)
    admin = admin.set(drivername="postgresql+psycopg")
    server = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    database = create_engine(admin.set(database=name), isolation_level="AUTOCOMMIT")
    with database.connect() as connection:
        run_script(connection, setup_sql(roles))
        for role in (roles.owner, roles.application):
            connection.execute(text(f"ALTER ROLE \"{role}\" PASSWORD '{password}'"))
    database.dispose()

    def as_role(role: str) -> str:
        return admin.set(username=role, password=password, database=name).render_as_string(
            hide_password=False)

    return SuiteDatabase(as_role(roles.application), as_role(roles.owner))


def new_database(directory, suffix: str) -> SuiteDatabase:
    """Another empty database beside the suite's, with roles of its own (a restore's target)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return SuiteDatabase("sqlite:///" + str(directory / f"{suffix}.sqlite3"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{make_url(url).database}_{worker}" if worker else make_url(url).database
    return _create_database(make_url(url), f"{name}_{suffix}")


def drop_database(database: SuiteDatabase) -> None:
    url = make_url(database.url)
    if url.get_backend_name() != "postgresql":
        return
    admin = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg",
                                                            database="postgres")
    server = create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    server.dispose()


def engine_options() -> dict:
    options: dict = {"pool_pre_ping": True}
    if is_postgresql():
        # The suite's commits need not survive a power cut: no fsync wait at each commit.
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return options


def is_postgresql() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    database = database_url(tmp_path_factory)
    app = create_app(
        {
            "CASEWORK_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database.url,
            "MIGRATION_DATABASE_URL": database.owner_url,
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 8192,
            "SERVER_NAME": None,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(),
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        # Building the schema through every migration, down and up again, proves both ways work.
        upgrade()
        downgrade(revision="base")
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
        owner_engine().dispose()


def _delete_all_rows() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with owner_engine().begin() as connection:
        if connection.dialect.name == "postgresql":
            # As the owner, which may switch the audit table's triggers off inside its own
            # transaction (nobody else sees them off; the application's role may not:
            # test_finding_5). Children before parents, so the foreign keys hold. DELETE of a
            # few rows is ~20 times faster than TRUNCATE of every table. A transaction a test
            # left open on the audit table would block the switch: fail, not hang.
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
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
                # The previous step's code (the current one stays unused, for the login),
                # checked at the same instant it was made for: no 30-second boundary can
                # fall between the two.
                now = time.time()
                auth_operations.enrol_totp(user, secret, pyotp.TOTP(secret).at(now - 30),
                                           now=now)
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
