"""Database engine settings per dialect, and the engine of the role that owns the schema.

On PostgreSQL in production two roles connect (README, Production): the application's
(DATABASE_URL), which may read and append to the audit trail but never change it, and the
owner (MIGRATION_DATABASE_URL), which runs the migrations, the audit retention redaction
and restores. `owner_engine()` is the owner's, or the application's own engine where only
one URL is configured (SQLite, development).
"""

from __future__ import annotations

import sqlite3

from flask import current_app, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from casework.extensions import db

OWNER_ENGINE = "casework.owner_engine"


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # Reads and writes of one request see one snapshot of the database. A form post takes
    # the write lock when it begins: in WAL mode a transaction that read first cannot upgrade
    # once another writer committed, so concurrent posts would fail with "database is locked"
    # instead of waiting their turn (busy_timeout). Commands and jobs keep a deferred BEGIN:
    # they may hold a reading session open while another one writes.
    if has_request_context() and request.method not in READING_METHODS:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def owner_engine() -> Engine:
    """The schema owner's engine (MIGRATION_DATABASE_URL), else the application's engine."""
    app = current_app._get_current_object()
    url = app.config.get("MIGRATION_SQLALCHEMY_URI")
    if not url:
        return db.engine
    engine = app.extensions.get(OWNER_ENGINE)
    if engine is None:
        engine = create_engine(url, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        app.extensions[OWNER_ENGINE] = engine
    return engine


def has_separate_owner() -> bool:
    """Whether the owner connects as another role than the application."""
    return bool(current_app.config.get("MIGRATION_SQLALCHEMY_URI"))
