"""`flask import cases FILE.csv [--dry-run]`: the same import as the supervisors' upload page."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from casework.importing.jobs import import_and_commit
from casework.importing.operations import format_report

import_cli = AppGroup("import", help="Import data from files.")


@import_cli.command("cases")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file; import nothing.")
def import_cases_command(path: Path, dry_run: bool) -> None:
    """Import incidents, cases, persons and losses from a CSV file (docs/import-format.md).

    The whole file is checked first; with any problem nothing is imported and the
    command exits with status 1. Cases may go to any office (the command line is
    trusted like an administrator's shell); they are recorded as created from the CLI.
    """
    report = import_and_commit(path, None, dry_run=dry_run)
    click.echo(format_report(report))
    sys.exit(0 if report.valid else 1)
