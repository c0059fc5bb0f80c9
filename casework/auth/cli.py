"""`flask users ...` and `flask offices ...`: the same operations the admin pages call."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from casework.auth import operations
from casework.auth.operations import office_by_code
from casework.core.authz import Role
from casework.core.errors import DomainError
from casework.core.transaction import unit_of_work

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--office", "office_code", default=None, help="Office code (caseworkers, supervisors).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str, name: str, role: str, office_code: str | None, password_stdin: bool
) -> None:
    """Create a user with EMAIL; the password is prompted for unless --password-stdin."""
    office = None
    if office_code:
        office = office_by_code(office_code)
        if office is None:
            raise click.ClickException(f"No office with code {office_code}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            user = operations.create_user(email, name, role, office, password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    where = f" in {office.code}" if office else ""
    click.echo(f"Created {user.role} {user.email}{where}.")


offices_cli = AppGroup("offices", help="Manage offices.")


@offices_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--tz", "timezone", default="Asia/Damascus", show_default=True,
              help="IANA time zone of the office.")
def create_office_command(code: str, name: str, timezone: str) -> None:
    """Create an office with a CODE (e.g. RQA) and a NAME."""
    try:
        with unit_of_work():
            office = operations.create_office(code, name, timezone)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Created office {office.code} ({office.name}, {office.timezone}).")
