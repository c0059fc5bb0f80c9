"""Backup and restore, drilled: seed, back up, wipe, restore, then the audit chain verifies
against the last signed checkpoint and every evidence file matches its hash.

The drill runs on the suite's own database (SQLite, or PostgreSQL with TEST_DATABASE_URL:
pg_dump, and pg_restore as the owner role into a new database), and restores into an empty
database and empty folders, as after losing a server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from casework import create_app
from casework.core.database import owner_engine
from casework.evidence.models import Evidence
from casework.extensions import db
from casework.intake.models import Case
from tests.conftest import SuiteDatabase, drop_database, engine_options, new_database
from tests.fixtures_audit import AuditSigning, append_events


@pytest.fixture
def empty_database(tmp_path) -> Iterator[SuiteDatabase]:
    database = new_database(tmp_path, "restore")
    yield database
    drop_database(database)


@pytest.fixture
def restored_app(tmp_path, empty_database, audit_signing) -> Iterator[Flask]:
    """An app on an empty database and empty folders, holding the same public key."""
    restored = create_app({
        "CASEWORK_ENV": "testing",
        "SECRET_KEY": "restore-drill",
        "DATABASE_URL": empty_database.url,
        "MIGRATION_DATABASE_URL": empty_database.owner_url,
        "EVIDENCE_PATH": str(tmp_path / "restored" / "evidence"),
        "AUDIT_CHECKPOINT_PATH": str(tmp_path / "restored" / "checkpoints"),
        "AUDIT_SIGNING_KEY": str(audit_signing.key),
        "AUDIT_CHECKPOINT_INTERVAL": None,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(),
    })
    restored.instance_path = str(tmp_path / "restored")
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()
        owner_engine().dispose()


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _back_up(app: Flask, folder: Path, demo: bool = False) -> dict:
    """Seed the demo (offices, users, cases, evidence files), or append a few events; sign a
    checkpoint; back up."""
    if demo:
        seeded = _run(app, "demo", "seed", "--password", "drill-password-2026")
        assert seeded.exit_code == 0, seeded.output
    else:
        append_events(app, 3)
    checkpoint = _run(app, "audit", "checkpoint")
    assert checkpoint.exit_code == 0, checkpoint.output
    made = _run(app, "backup", "create", str(folder))
    assert made.exit_code == 0, made.output
    return json.loads((folder / "manifest.json").read_text())


def _tables(app: Flask) -> list[str]:
    with app.app_context(), owner_engine().connect() as connection:
        return inspect(connection).get_table_names()


def test_the_backup_drill_restores_a_verifiable_chain_and_every_evidence_file(
    app, restored_app, audit_signing: AuditSigning, tmp_path
):
    backup = tmp_path / "backup"
    manifest = _back_up(app, backup, demo=True)
    with app.app_context():
        cases = db.session.scalar(select(func.count(Case.id)))
        evidence = {row.sha256: row.size_bytes for row in db.session.execute(
            select(Evidence.sha256, Evidence.size_bytes))}
        dialect = db.engine.dialect.name
    assert cases and evidence
    assert manifest["database"]["dialect"] == dialect and manifest["database"]["revision"]
    assert {name.split("/")[0] for name in manifest["files"]} >= {
        manifest["database"]["file"], "evidence", "audit-checkpoints"}
    assert all(f"evidence/{sha[:2]}/{sha[2:4]}/{sha}" in manifest["files"] for sha in evidence)
    assert _run(app, "backup", "verify", str(backup)).output.startswith("OK ")

    restored = _run(restored_app, "backup", "restore", str(backup))
    assert restored.exit_code == 0, restored.output

    verified = _run(restored_app, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "Checked against the latest signed checkpoint" in verified.output
    with restored_app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == cases
        rows = list(db.session.execute(select(Evidence.sha256, Evidence.size_bytes)))
    root = tmp_path / "restored" / "evidence"
    assert {row.sha256: row.size_bytes for row in rows} == evidence
    for sha256, size in evidence.items():
        stored = root / sha256[:2] / sha256[2:4] / sha256
        assert _sha256(stored) == sha256 and stored.stat().st_size == size
    # The restored application goes on: it appends to the chain as its own role.
    append_events(restored_app, 2)
    assert _run(restored_app, "audit", "verify").exit_code == 0


def test_a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    app, audit_signing, tmp_path, audit_events
):
    backup = tmp_path / "backup"
    _back_up(app, backup)
    before = len(audit_events())
    refused = _run(app, "backup", "restore", str(backup))
    assert refused.exit_code != 0
    assert "The database is not empty" in refused.output
    assert "restored only into an empty database" in refused.output
    assert len(audit_events()) == before


def test_a_restore_into_a_folder_that_is_not_empty_is_refused_before_the_database(
    app, restored_app, audit_signing, tmp_path
):
    backup = tmp_path / "backup"
    _back_up(app, backup)
    leftover = tmp_path / "restored" / "evidence" / "ab" / "cd" / "leftover"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"someone else's file")
    refused = _run(restored_app, "backup", "restore", str(backup))
    assert refused.exit_code != 0 and "is not empty" in refused.output
    assert _tables(restored_app) == []


def test_a_damaged_backup_is_refused_and_names_the_damaged_file(
    app, restored_app, audit_signing, tmp_path
):
    backup = tmp_path / "backup"
    manifest = _back_up(app, backup)
    damaged = next(name for name in manifest["files"] if name.startswith("audit-checkpoints/"))
    (backup / damaged).chmod(0o600)
    with (backup / damaged).open("ab") as file:
        file.write(b"!")
    checked = _run(app, "backup", "verify", str(backup))
    assert checked.exit_code == 1 and f"DAMAGED {damaged}" in checked.output
    refused = _run(restored_app, "backup", "restore", str(backup))
    assert refused.exit_code != 0
    assert "The backup is damaged; nothing was restored" in refused.output
    assert damaged in refused.output
    assert _tables(restored_app) == []


def test_a_backup_goes_only_into_a_new_or_empty_folder(app, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "old-backup.txt").write_text("keep me")
    refused = _run(app, "backup", "create", str(folder))
    assert refused.exit_code != 0 and "is not empty" in refused.output
    assert (folder / "old-backup.txt").read_text() == "keep me"
