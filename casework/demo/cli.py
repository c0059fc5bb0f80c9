"""`flask demo ...`: fictional offices and users so a new user can try every role."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from casework.auth import operations, totp
from casework.auth import operations as auth_operations
from casework.auth.models import User
from casework.core.authz import Role
from casework.core.transaction import unit_of_work
from casework.demo.cases import seed_intake_demo
from casework.demo.generate import generate_command
from casework.demo.workflow import (
    OfficeTeam,
    seed_workflow_demo,
)
from casework.extensions import db

demo_cli = AppGroup("demo", help="Demo data (refused in production).")
demo_cli.add_command(generate_command)

DEMO_OFFICES = [
    ("RQA", "Raqqa field office", "Asia/Damascus"),
    ("TBQ", "Tabqa field office", "Asia/Damascus"),
]

# (email, name, role, office code)
DEMO_USERS = [
    ("caseworker@demo.casework", "Layla Haddad", Role.caseworker, "RQA"),
    ("supervisor@demo.casework", "Omar Khalil", Role.supervisor, "RQA"),
    ("auditor@demo.casework", "Sara Lindqvist", Role.auditor, None),
    ("admin@demo.casework", "Daniel Okafor", Role.admin, None),
    ("caseworker2@demo.casework", "Rania Mahmoud", Role.caseworker, "TBQ"),
    ("supervisor2@demo.casework", "Yusuf Darwish", Role.supervisor, "TBQ"),
    # A second RQA supervisor: decides appeals of the first one's decisions.
    ("supervisor.b@demo.casework", "Nadia Saleh", Role.supervisor, "RQA"),
]

LOGINS_FILE = "demo-logins.txt"


@dataclass
class DemoLogin:
    email: str
    role: str
    office: str | None
    totp_uri: str | None


def refuse_in_production() -> None:
    if current_app.config["CASEWORK_ENV"] == "production":
        raise click.ClickException("Demo data is refused when CASEWORK_ENV=production.")


def seed_demo(password: str) -> list[DemoLogin]:
    """Create the demo offices, one user per role and the intake demo data (incidents and
    cases); flushes, the caller commits."""
    offices = {
        code: operations.create_office(code, name, tz) for code, name, tz in DEMO_OFFICES
    }
    logins = []
    users = {}
    for email, name, role, office_code in DEMO_USERS:
        user = auth_operations.create_user(
            email, name, role, offices.get(office_code), password
        )
        users[user.email] = user
        uri = None
        if user.requires_totp:
            secret = totp.new_secret()
            # Enrol with the previous step's code, checked at the same moment (one clock
            # read: a 30-second boundary between two reads cannot refuse it); the current
            # code stays unused for the first login.
            now = time.time()
            auth_operations.enrol_totp(user, secret, pyotp.TOTP(secret).at(now - 30), now=now)
            uri = totp.provisioning_uri(secret, user.email, current_app.config["TOTP_ISSUER"])
        logins.append(DemoLogin(user.email, str(user.role), office_code, uri))
    # Fictional incidents, households, losses and evidence in both offices.
    intake = seed_intake_demo(offices, users)
    # Those cases taken to every stage of the workflow, by the users who would act.
    seed_workflow_demo(intake.cases, {
        "RQA": OfficeTeam(users["caseworker@demo.casework"],
                          users["supervisor@demo.casework"],
                          users["supervisor.b@demo.casework"]),
        "TBQ": OfficeTeam(users["caseworker2@demo.casework"],
                          users["supervisor2@demo.casework"]),
    })
    return logins


def format_logins(logins: list[DemoLogin], password: str) -> str:
    lines = ["Demo logins (password for all: " + password + ")", ""]
    for login in logins:
        office = f" [{login.office}]" if login.office else ""
        lines.append(f"  {login.role:<11} {login.email}{office}")
    lines += ["", "Supervisors and the admin also need a TOTP code. Add these to an authenticator",
              "app, or print a current code with: flask --app wsgi demo totp EMAIL", ""]
    for login in logins:
        if login.totp_uri:
            lines.append(f"  {login.email}: {login.totp_uri}")
    return "\n".join(lines) + "\n"


@demo_cli.command("seed")
@click.option("--password", default=None, help="Password for every demo user (default: random).")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) if there are users.")
def seed_command(password: str | None, if_empty: bool) -> None:
    """Create demo offices and one user per role, and print the logins."""
    refuse_in_production()
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("The database already has users; demo data not added.")
            return
        raise click.ClickException("The database already has users; demo data not added.")
    password = password or secrets.token_urlsafe(12)
    with unit_of_work():
        logins = seed_demo(password)
    text = format_logins(logins, password)
    path = Path(current_app.instance_path) / LOGINS_FILE
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    click.echo(text)
    click.echo(f"(Also written to {path}.)")


@demo_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print the current TOTP code of a demo user (development only)."""
    refuse_in_production()
    user = auth_operations.user_by_email(email)
    if user is None or user.totp_secret is None or not user.email.endswith("@demo.casework"):
        raise click.ClickException(f"{email} is not a demo user enrolled in TOTP.")
    click.echo(pyotp.TOTP(user.totp_secret).now())
