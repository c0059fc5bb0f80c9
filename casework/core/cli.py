"""`flask offices ...`: the same operations the admin pages call."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from casework.core import operations
from casework.core.errors import DomainError
from casework.extensions import db

offices_cli = AppGroup("offices", help="Manage offices.")


@offices_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--tz", "timezone", default="Asia/Damascus", show_default=True,
              help="IANA time zone of the office.")
def create_office_command(code: str, name: str, timezone: str) -> None:
    """Create an office with a CODE (e.g. RQA) and a NAME."""
    try:
        office = operations.create_office(code, name, timezone)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Created office {office.code} ({office.name}, {office.timezone}).")
