"""Backups: the database, the evidence store and the audit checkpoints, with a manifest of sums.

A backup is a folder::

    manifest.json            what is in it: every file's SHA-256 and size, the database's
                             dialect and migration revision; written last
    database.sqlite3         SQLite: a copy made with SQLite's online backup API
    database.pgdump          PostgreSQL: `pg_dump --format=custom`
    audit-checkpoints/...    the signed checkpoints (casework.audit.checkpoints)
    evidence/ab/cd/<sha256>  the evidence store (casework.evidence.storage)

Consistency without stopping the application: the checkpoints are copied first (under
the checkpoint writers' lock), then the database is dumped from one snapshot, then the
evidence files are copied. So every checkpoint in the backup signs a head the dump holds,
and every file a dumped evidence row names is in the backup (files are named by their
content and never change; one stored after the dump is merely an extra). Uploads still
being received (``.incoming``) and other hidden files are left out. The signing key is
never backed up here: whoever holds a backup must not be able to sign checkpoints.

A restore goes only into an empty database and empty folders, and checks every file of
the backup against the manifest before it changes anything. On PostgreSQL it runs as the
schema owner (MIGRATION_DATABASE_URL) and gives the application role its rights again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import URL, Connection, select, text

from casework.audit.checkpoints import CHECKPOINT_MODE, checkpoint_dir, writer_lock
from casework.core.database import owner_engine
from casework.evidence.models import Evidence
from casework.evidence.storage import STORED_MODE, EvidenceStore, evidence_root
from casework.maintenance.roles import application_role, grant_application_role

BACKUP_FORMAT = "casework-backup"
BACKUP_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database.sqlite3"
POSTGRESQL_DUMP = "database.pgdump"
CHUNK = 1024 * 1024
FOLDER_MODE = 0o700


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Store:
    """A folder of files that belongs in every backup."""

    name: str  # its folder in the backup
    path: Path  # where the application keeps it
    mode: int  # the mode its files are restored with
    named_by_content: bool  # each file is named by its SHA-256 (checked both ways)


def stores() -> tuple[Store, Store]:
    """The checkpoint store and the evidence store, in the order a backup copies them."""
    return (Store("audit-checkpoints", checkpoint_dir(), CHECKPOINT_MODE, False),
            Store("evidence", evidence_root(), STORED_MODE, True))


@dataclass
class Summary:
    folder: Path
    files: int = 0
    bytes: int = 0
    revision: str | None = None
    problems: list[str] = field(default_factory=list)


# -- files --------------------------------------------------------------------------------

def _visible_files(root: Path) -> Iterator[Path]:
    """Regular files under root, sorted, skipping hidden ones (uploads in progress, locks)."""
    if not root.is_dir():
        return
    for directory, folders, names in os.walk(root):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _copy(source: Path, target: Path, mode: int | None = None) -> tuple[str, int]:
    """Copy a file (never over another), fsynced; its SHA-256 and size as read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as reading, os.fdopen(handle, "wb") as writing:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    if mode is not None:
        os.chmod(target, mode)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reading:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_store(store: Store, folder: Path, files: dict[str, dict], summary: Summary) -> None:
    for path in _visible_files(store.path):
        relative = path.relative_to(store.path).as_posix()
        sha256, size = _copy(path, folder / store.name / relative)
        files[f"{store.name}/{relative}"] = {"sha256": sha256, "bytes": size}
        if store.named_by_content and sha256 != path.name:
            summary.problems.append(f"{store.name}/{relative}: its content does not match its "
                                    "name (the stored file is damaged)")


# -- the database -------------------------------------------------------------------------

def _revision(connection: Connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001  (a database never migrated has no revision to report)
        return None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, environment


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client programs "
                          "(postgresql-client, the server's major version or newer).")
    return found


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    finished = subprocess.run(  # noqa: S603  (our program, arguments as a list, no shell)
        arguments, env=environment, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{Path(arguments[0]).name} failed: {finished.stderr.strip()}")


def _dump_database(folder: Path) -> tuple[str, str]:
    """Dump the database into the folder; its dialect and the dump's file name."""
    engine = owner_engine()
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            copy = sqlite3.connect(folder / SQLITE_DUMP)
            try:
                raw.driver_connection.backup(copy)
                # One self-contained file: no write-ahead log beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            raw.close()
        return "sqlite", SQLITE_DUMP
    if engine.dialect.name == "postgresql":
        uri, environment = _libpq(engine.url)
        _run([_program("pg_dump"), "--format=custom", f"--file={folder / POSTGRESQL_DUMP}",
              "--dbname", uri], environment)
        return "postgresql", POSTGRESQL_DUMP
    raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")


# -- making a backup ----------------------------------------------------------------------

def _empty(folder: Path) -> bool:
    """No file in it (hidden ones aside: an upload folder, a lock); or no folder at all."""
    return next(_visible_files(folder), None) is None


def create_backup(folder: Path) -> Summary:
    """Write a backup into a new or empty folder (see the module's docstring)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(folder, FOLDER_MODE)
    summary = Summary(folder)
    files: dict[str, dict] = {}
    checkpoint_store, evidence_store = stores()
    if checkpoint_store.path.is_dir():
        with writer_lock(checkpoint_store.path):
            _copy_store(checkpoint_store, folder, files, summary)
    dialect, dump = _dump_database(folder)
    files[dump] = {"sha256": file_sha256(folder / dump), "bytes": (folder / dump).stat().st_size}
    with owner_engine().connect() as connection:
        summary.revision = _revision(connection)
    _copy_store(evidence_store, folder, files, summary)
    manifest = {
        "format": BACKUP_FORMAT, "version": BACKUP_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "database": {"dialect": dialect, "file": dump, "revision": summary.revision},
        "stores": [store.name for store in stores()],
        "files": files,
        "problems": summary.problems,
    }
    _write_manifest(folder / MANIFEST, manifest)
    summary.files = len(files)
    summary.bytes = sum(entry["bytes"] for entry in files.values())
    return summary


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as writing:
        json.dump(manifest, writing, indent=1, sort_keys=True)
        writing.write("\n")
        writing.flush()
        os.fsync(writing.fileno())


# -- checking a backup --------------------------------------------------------------------

def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a backup, or an unfinished "
                          "one.") from None
    except ValueError as error:
        raise BackupError(f"{folder / MANIFEST} cannot be read ({error}).") from None
    if manifest.get("format") != BACKUP_FORMAT or manifest.get("version") != BACKUP_VERSION:
        raise BackupError(f"{folder} is not a version {BACKUP_VERSION} Casework backup.")
    return manifest


def damaged_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Every file the manifest lists that is missing or differs, and files it does not list."""
    problems = []
    listed = manifest["files"]
    for name, entry in sorted(listed.items()):
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            problems.append(f"{name}: not a path inside the backup")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif file_sha256(path) != entry["sha256"]:
            problems.append(f"{name}: its SHA-256 differs from the manifest's")
    for path in _visible_files(folder):
        name = path.relative_to(folder).as_posix()
        if name != MANIFEST and name not in listed:
            problems.append(f"{name}: not in the manifest")
    return problems


# -- restoring ----------------------------------------------------------------------------

def _database_tables(connection: Connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        statement = ("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                     "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        statement = ("SELECT c.relname FROM pg_class c JOIN pg_namespace n "
                     "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                     "AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY c.relname")
    return list(connection.execute(text(statement)).scalars())


def _restore_database(folder: Path, manifest: dict[str, Any]) -> None:
    engine = owner_engine()
    dump = folder / manifest["database"]["file"]
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            try:
                source.backup(raw.driver_connection)
            finally:
                source.close()
        finally:
            raw.close()
        engine.dispose()
        return
    uri, environment = _libpq(engine.url)
    # As the connecting owner, with no grants from the source: the application role is
    # given its rights below, whatever its name was where the backup was made.
    _run([_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--dbname", uri, str(dump)], environment)


def missing_evidence(connection: Connection, root: Path) -> list[str]:
    """SHA-256s that evidence rows name but the store lacks, or holds with other content."""
    store = EvidenceStore(root)
    problems = []
    for sha256 in connection.execute(select(Evidence.sha256).distinct()).scalars():
        if not store.exists(sha256):
            problems.append(f"evidence file {sha256}: missing")
        elif file_sha256(store.path_for(sha256)) != sha256:
            problems.append(f"evidence file {sha256}: its content does not match its name")
    return problems


def restore_backup(folder: Path) -> Summary:
    """Restore into an empty database and empty folders; refuse, changing nothing, otherwise."""
    manifest = read_manifest(folder)
    damaged = damaged_files(folder, manifest)
    if damaged:
        raise BackupError("The backup is damaged; nothing was restored:\n  " + "\n  ".join(damaged))
    engine = owner_engine()
    dialect = manifest["database"]["dialect"]
    if dialect != engine.dialect.name:
        raise BackupError(f"This is a backup of a {dialect} database, but the database to "
                          f"restore into is {engine.dialect.name}.")
    with engine.connect() as connection:
        tables = _database_tables(connection)
    if tables:
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables, e.g. {tables[0]}): a "
            "backup is restored only into an empty database. Create a new one and point "
            "DATABASE_URL (and MIGRATION_DATABASE_URL) at it.")
    for store in stores():
        if not _empty(store.path):
            raise BackupError(f"{store.path} is not empty: the {store.name} are restored only "
                              "into an empty folder. Move its files away or configure another.")
    _restore_database(folder, manifest)
    summary = Summary(folder, revision=manifest["database"]["revision"])
    for store in stores():
        prefix = store.name + "/"
        for name, entry in sorted(manifest["files"].items()):
            if name.startswith(prefix):
                sha256, size = _copy(folder / name, store.path / name[len(prefix):], store.mode)
                if sha256 != entry["sha256"]:
                    summary.problems.append(f"{name}: changed while it was being restored")
                summary.files += 1
                summary.bytes += size
    role = application_role(current_app.config)
    with engine.begin() as connection:
        if role is not None and connection.dialect.name == "postgresql":
            grant_application_role(connection, role)
        summary.problems += missing_evidence(connection, evidence_root())
    return summary
