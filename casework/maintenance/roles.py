"""Least-privilege PostgreSQL roles: an owner that migrates, an application role that appends.

Why: connected as a superuser, the application could ``SET session_replication_role =
replica`` or disable the audit table's triggers, so "append-only" held only against honest
code (issue 10, finding 5). Two roles close that:

- the **owner** owns the database, the schema and every table; it runs the migrations (and
  so creates the triggers), the audit retention redaction and restores. It is no superuser:
  it cannot switch triggers off for a session (``session_replication_role``), though as
  owner it can still alter its tables; that is why the audit chain is also signed outside
  the database (``casework.audit.checkpoints``).
- the **application** role owns nothing and belongs to no other role. It may read and
  write the ordinary tables and use their sequences, but on the append-only tables
  (``APPEND_ONLY_TABLES``) only SELECT and INSERT: no UPDATE, DELETE or TRUNCATE, and as a
  non-owner it can neither disable nor drop their triggers.

``setup_sql`` is run once by a superuser (``flask --app wsgi db roles | psql``);
``grants_sql`` (included in it) is re-applied by ``migrations/env.py`` at the end of every
migration run, in the migration's transaction, so a table a migration adds is usable by
the application at once and an append-only table never has a moment with more rights.
The SQL uses no ``%`` and no bind parameters, so the same text runs through psql, psycopg
and SQLAlchemy alike; role and database names are checked to be plain identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, make_url

# Tables that only ever grow: the application role may SELECT and INSERT, nothing more.
# A ledger-like table added later (payment events, letter deliveries) is listed here.
APPEND_ONLY_TABLES = ("audit_events",)
# Tables the application reads and never writes: the migrations' own bookkeeping.
READ_ONLY_TABLES = ("alembic_version",)

PLAIN_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


class RolesError(Exception):
    """The roles cannot be set up as configured; the message says what to change."""


@dataclass(frozen=True)
class Roles:
    owner: str
    application: str
    database: str


def _checked(name: str | None, what: str) -> str:
    if not name or not PLAIN_IDENTIFIER.fullmatch(name):
        raise RolesError(f"The {what} must be a plain name (letters, digits, underscores), "
                         f"not {name!r}.")
    return name


def roles_of(owner: str | None, application: str | None, database: str | None) -> Roles:
    roles = Roles(_checked(owner, "owner role"), _checked(application, "application role"),
                  _checked(database, "database name"))
    if roles.owner == roles.application:
        raise RolesError("The owner and the application must be two different roles.")
    return roles


def roles_from_config(config: Mapping[str, Any]) -> Roles:
    """The two roles named by MIGRATION_DATABASE_URL (owner) and DATABASE_URL (application)."""
    app_url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    owner_uri = config.get("MIGRATION_SQLALCHEMY_URI")
    if app_url.get_backend_name() != "postgresql":
        raise RolesError("Database roles are for PostgreSQL; DATABASE_URL is not a PostgreSQL URL.")
    if not owner_uri:
        raise RolesError("Set MIGRATION_DATABASE_URL to the owner's URL (and DATABASE_URL to "
                         "the application's), or name the roles with --owner and --app-role.")
    owner_url = make_url(owner_uri)
    if owner_url.database != app_url.database:
        raise RolesError(f"MIGRATION_DATABASE_URL names database {owner_url.database!r} but "
                         f"DATABASE_URL names {app_url.database!r}: they must be the same.")
    return roles_of(owner_url.username, app_url.username, app_url.database)


def application_role(config: Mapping[str, Any]) -> str | None:
    """The role to grant after a migration: DATABASE_URL's, when the owner is another role."""
    owner_uri = config.get("MIGRATION_SQLALCHEMY_URI")
    if not owner_uri:
        return None
    app_url, owner_url = make_url(config["SQLALCHEMY_DATABASE_URI"]), make_url(owner_uri)
    if app_url.get_backend_name() != "postgresql" or not app_url.username:
        return None
    if app_url.username == owner_url.username:
        return None
    return _checked(app_url.username, "application role")


def _literal(name: str) -> str:
    return "'" + name + "'"  # names are plain identifiers (checked): nothing to escape


def _identifier(name: str) -> str:
    return '"' + name + '"'


def _array(names: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(_literal(name) for name in names) + "]::text[]"


def grants_sql(application: str) -> str:
    """The application role's rights on the tables and sequences present now (idempotent)."""
    app = _identifier(_checked(application, "application role"))
    return f"""\
GRANT USAGE ON SCHEMA public TO {app};
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};
DO $casework$
DECLARE
    table_name text;
BEGIN
    -- Append-only tables: SELECT and INSERT only.
    FOREACH table_name IN ARRAY {_array(APPEND_ONLY_TABLES)} LOOP
        IF to_regclass('public.' || quote_ident(table_name)) IS NOT NULL THEN
            EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON public.' || quote_ident(table_name)
                || ' FROM ' || quote_ident({_literal(application)});
        END IF;
    END LOOP;
    -- Read-only tables: SELECT only.
    FOREACH table_name IN ARRAY {_array(READ_ONLY_TABLES)} LOOP
        IF to_regclass('public.' || quote_ident(table_name)) IS NOT NULL THEN
            EXECUTE 'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.'
                || quote_ident(table_name) || ' FROM ' || quote_ident({_literal(application)});
        END IF;
    END LOOP;
END
$casework$;
"""  # noqa: S608  (names are checked plain identifiers; no value comes from a request)


def setup_sql(roles: Roles) -> str:
    """Everything a superuser runs once: the roles, who owns what, the application's rights.

    Idempotent: run again, it changes nothing; run on a database that a superuser migrated
    before (the old documented setup), it hands every table, sequence and function to the
    owner.
    """
    owner, app = _identifier(roles.owner), _identifier(roles.application)
    database = _identifier(roles.database)
    names = f"{_literal(roles.owner)}, {_literal(roles.application)}"
    return f"""\
-- Casework's two database roles (README, Production). Run as a superuser, e.g.
--   flask --app wsgi db roles | psql -v ON_ERROR_STOP=1 -d {roles.database}
-- then give each role a password: \\password {roles.owner}  and  \\password {roles.application}
BEGIN;
DO $casework$
BEGIN
    IF current_user IN ({names}) THEN
        RAISE EXCEPTION 'Run this as a superuser, not as the roles it sets up.';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname IN ({names}) AND rolsuper) THEN
        RAISE EXCEPTION 'The owner or the application role is a superuser: name other roles, '
            'or take superuser from them first (ALTER ROLE ... NOSUPERUSER).';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(roles.owner)}) THEN
        CREATE ROLE {owner};
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(roles.application)}) THEN
        CREATE ROLE {app};
    END IF;
END
$casework$;
-- The owner migrates; it is no superuser, so it cannot set session_replication_role.
ALTER ROLE {owner} WITH {ROLE_ATTRIBUTES};
-- The application: no attribute beyond LOGIN, and a member of no role (pg_write_all_data
-- or the owner would give back what is taken away below).
ALTER ROLE {app} WITH {ROLE_ATTRIBUTES} NOINHERIT;
DO $casework$
DECLARE
    granted text;
BEGIN
    FOR granted IN SELECT roleid::regrole::text FROM pg_auth_members
                   WHERE member = {_literal(roles.application)}::regrole LOOP
        EXECUTE 'REVOKE ' || granted || ' FROM ' || quote_ident({_literal(roles.application)});
    END LOOP;
END
$casework$;
ALTER DATABASE {database} OWNER TO {owner};
ALTER SCHEMA public OWNER TO {owner};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE {database} TO {app};
-- Tables, sequences and functions made before by another role (a superuser) change hands.
DO $casework$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass::text AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND c.relowner <> {_literal(roles.owner)}::regrole
          -- a column's own sequence follows its table
          AND NOT (c.relkind = 'S' AND EXISTS (
                SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE 'ALTER ' || item.kind || ' ' || item.name || ' OWNER TO '
            || quote_ident({_literal(roles.owner)});
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS name
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> {_literal(roles.owner)}::regrole
    LOOP
        EXECUTE 'ALTER ROUTINE ' || item.name || ' OWNER TO '
            || quote_ident({_literal(roles.owner)});
    END LOOP;
END
$casework$;
{grants_sql(roles.application)}COMMIT;
"""  # noqa: S608  (names are checked plain identifiers; no value comes from a request)


def run_script(connection: Connection, script: str) -> None:
    """Run SQL text of several statements through the driver (no bind parameters)."""
    connection.connection.driver_connection.execute(script)


def grant_application_role(connection: Connection, application: str) -> None:
    """Re-apply the application role's rights, in the connection's transaction."""
    run_script(connection, grants_sql(application))
