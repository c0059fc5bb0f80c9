"""Database engine settings per dialect."""

from __future__ import annotations

import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
