"""`flask backup create | verify | restore`, and `flask db roles` beside Flask-Migrate's commands.

These commands work on engines and files directly rather than in the session's unit of
work: a dump and a restore are the database's own programs (pg_dump, pg_restore, SQLite's
backup API), and the restore runs as the schema owner.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from casework.maintenance.backup import (
    BackupError,
    Summary,
    create_backup,
    damaged_files,
    read_manifest,
    restore_backup,
)
from casework.maintenance.roles import RolesError, roles_from_config, roles_of, setup_sql

backup_cli = AppGroup("backup", help="Back up and restore the database, evidence and checkpoints.")
FOLDER = click.Path(file_okay=False, path_type=Path)


def _report_problems(summary: Summary) -> None:
    for problem in summary.problems:
        click.echo(f"PROBLEM {problem}")
    if summary.problems:
        sys.exit(1)


@backup_cli.command("create")
@click.argument("folder", required=False, type=FOLDER)
def create_command(folder: Path | None) -> None:
    """Write a backup into FOLDER (new or empty; default: instance/backups/<UTC time>)."""
    folder = folder or (Path(current_app.instance_path) / "backups"
                        / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    try:
        summary = create_backup(folder)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {folder}: {summary.files} files, {summary.bytes} bytes, "
               f"database at migration {summary.revision}.")
    _report_problems(summary)


@backup_cli.command("verify")
@click.argument("folder", type=FOLDER)
def verify_command(folder: Path) -> None:
    """Check every file of the backup in FOLDER against its manifest; exit 1 if any differs."""
    try:
        damaged = damaged_files(folder, read_manifest(folder))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for problem in damaged:
        click.echo(f"DAMAGED {problem}")
    if damaged:
        sys.exit(1)
    click.echo(f"OK {folder}: every file matches the manifest.")


@backup_cli.command("restore")
@click.argument("folder", type=FOLDER)
def restore_command(folder: Path) -> None:
    """Restore the backup in FOLDER into an empty database and empty folders."""
    try:
        summary = restore_backup(folder)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {folder}: the database (at migration {summary.revision}) and "
               f"{summary.files} files, {summary.bytes} bytes.")
    click.echo("Next: `flask --app wsgi db upgrade` (if this code is newer than the backup), "
               "then `flask --app wsgi audit verify`.")
    _report_problems(summary)


@click.command("roles")
@click.option("--owner", help="The owner role (default: MIGRATION_DATABASE_URL's user).")
@click.option("--app-role", help="The application role (default: DATABASE_URL's user).")
@click.option("--database", help="The database (default: DATABASE_URL's).")
@with_appcontext
def roles_command(owner: str | None, app_role: str | None, database: str | None) -> None:
    """Print the SQL that sets up the owner and application roles; run it as a superuser."""
    try:
        configured = roles_from_config(current_app.config)
    except RolesError as error:
        if not (owner and app_role and database):
            raise click.ClickException(str(error)) from None
        configured = None
    try:
        roles = roles_of(owner or configured.owner, app_role or configured.application,
                         database or configured.database)
    except RolesError as error:
        raise click.ClickException(str(error)) from None
    click.echo(setup_sql(roles), nl=False)
