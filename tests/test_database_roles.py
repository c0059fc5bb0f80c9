"""Two database roles (issue 10, finding 5): `flask db roles` prints the SQL a superuser runs;
the owner migrates and owns every table; the application role may append to the audit
trail and never change it. The finding's own regression test, that the application role
cannot bypass the audit triggers, is in test_security_regressions.py."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from casework import create_app
from casework.core.database import owner_engine
from casework.extensions import db
from casework.maintenance.roles import APPEND_ONLY_TABLES, READ_ONLY_TABLES
from tests.conftest import drop_database, engine_options, is_postgresql, new_database
from tests.fixtures_audit import append_events

postgresql_only = pytest.mark.skipif(not is_postgresql(), reason="needs PostgreSQL (TEST_DATABASE_URL)")
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


def _app(database_url: str, migration_url: str | None = None):
    return create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "x" * 32,
                       "DATABASE_URL": database_url, "MIGRATION_DATABASE_URL": migration_url,
                       "SQLALCHEMY_ENGINE_OPTIONS": engine_options()})


def test_db_roles_prints_the_setup_for_the_roles_the_two_urls_name():
    app = _app("postgresql://casework_app@db.internal/casework",
               "postgresql://casework_owner@db.internal/casework")
    result = app.test_cli_runner().invoke(args=["db", "roles"])
    assert result.exit_code == 0, result.output
    sql = result.output
    assert 'CREATE ROLE "casework_owner"' in sql and 'CREATE ROLE "casework_app"' in sql
    assert 'ALTER ROLE "casework_app" WITH LOGIN NOSUPERUSER' in sql
    assert 'ALTER DATABASE "casework" OWNER TO "casework_owner"' in sql
    assert "ARRAY['audit_events']::text[]" in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON public." in sql
    assert sql.startswith("-- Casework's two database roles") and sql.rstrip().endswith("COMMIT;")


@pytest.mark.parametrize(("database_url", "migration_url", "refusal"), [
    ("sqlite:///x.sqlite3", None, "Database roles are for PostgreSQL"),
    ("postgresql://app@db/casework", None, "Set MIGRATION_DATABASE_URL"),
    ("postgresql://app@db/casework", "postgresql://owner@db/other", "must be the same"),
    ("postgresql://casework@db/casework", "postgresql://casework@db/casework",
     "two different roles"),
    ("postgresql://app@db/casework", "postgresql://own%22er@db/casework", "plain name"),
])
def test_db_roles_refuses_what_it_cannot_set_up(tmp_path, database_url, migration_url, refusal):
    app = _app(database_url.replace("x.sqlite3", str(tmp_path / "x.sqlite3")), migration_url)
    result = app.test_cli_runner().invoke(args=["db", "roles"])
    assert result.exit_code != 0 and refusal in result.output


def test_db_roles_takes_the_names_as_options_too(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["db", "roles", "--owner", "cw_owner",
                                                "--app-role", "cw_app", "--database", "cw"])
    assert result.exit_code == 0 and 'GRANT CONNECT ON DATABASE "cw" TO "cw_app"' in result.output


def _privileges(connection, role: str) -> dict[str, set[str]]:
    tables = connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    return {table: {privilege for privilege in ("SELECT", *WRITES) if connection.execute(
        text("SELECT has_table_privilege(:role, :table, :privilege)"),
        {"role": role, "table": f"public.{table}", "privilege": privilege}).scalar()}
        for table in tables}


@postgresql_only
def test_the_owner_owns_every_table_and_the_application_role_has_the_usual_rights_but_appends(app):
    with app.app_context(), owner_engine().connect() as connection:
        owner = make_url(app.config["MIGRATION_DATABASE_URL"]).username
        application = make_url(app.config["DATABASE_URL"]).username
        owners = set(connection.execute(text(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
        granted = _privileges(connection, application)
        attributes = connection.execute(text(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = :role"), {"role": application}).one()
        sequences = connection.execute(text(
            "SELECT bool_and(has_sequence_privilege(:role, c.oid, 'USAGE')) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'S'"), {"role": application}).scalar()
    assert owners == {owner}
    assert not any(attributes)
    assert sequences
    for table, privileges in granted.items():
        if table in APPEND_ONLY_TABLES:
            assert privileges == {"SELECT", "INSERT"}, table
        elif table in READ_ONLY_TABLES:
            assert privileges == {"SELECT"}, table
        else:
            assert privileges == {"SELECT", "INSERT", "UPDATE", "DELETE"}, table


@postgresql_only
def test_without_the_owners_url_redaction_says_it_needs_the_owner(app, audit_events):
    append_events(app, 2)
    application_only = _app(app.config["DATABASE_URL"])
    result = application_only.test_cli_runner().invoke(
        args=["audit", "redact", "--before", "2999-01-01", "--yes"])
    assert result.exit_code != 0
    assert "may not change audit events" in result.output and "MIGRATION_DATABASE_URL" in result.output
    assert len(audit_events()) == 2
    with application_only.app_context():
        db.engine.dispose()


@postgresql_only
def test_db_roles_hands_a_database_a_superuser_migrated_to_the_owner(tmp_path):
    """The old documented setup: everything made and owned by a superuser. Running the
    printed SQL through psql hands every table, sequence and function to the owner."""
    target = new_database(tmp_path, "roles")
    name = make_url(target.url).database
    superuser = make_url(os.environ["TEST_DATABASE_URL"]).set(database=name)
    try:
        old = _app(superuser.render_as_string(hide_password=False))
        with old.app_context():
            result = old.test_cli_runner().invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output
            db.engine.dispose()
        split = _app(target.url, target.owner_url)
        printed = split.test_cli_runner().invoke(args=["db", "roles"])
        libpq = superuser.set(drivername="postgresql", password=None)
        applied = subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", libpq.render_as_string()],
            input=printed.output, text=True, capture_output=True, check=False,
            env={**os.environ, "PGPASSWORD": str(superuser.password or "")})
        assert applied.returncode == 0, applied.stderr
        owner = make_url(target.owner_url).username
        with split.app_context():
            with owner_engine().connect() as connection:
                owners = set(connection.execute(text(
                    "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
                )).scalars())
                functions = set(connection.execute(text(
                    "SELECT DISTINCT proowner::regrole::text FROM pg_proc p JOIN pg_namespace n"
                    " ON n.oid = p.pronamespace WHERE n.nspname = 'public'")).scalars())
            assert owners == functions == {owner}
            with pytest.raises(DBAPIError, match="permission denied"), \
                    db.engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_events"))
            db.engine.dispose()
            owner_engine().dispose()
    finally:
        drop_database(target)
