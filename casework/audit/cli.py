"""`flask audit ...`: verify the chain, print its head, redact old payloads."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from casework.audit import operations
from casework.audit.chain import read_head
from casework.core.transaction import unit_of_work
from casework.extensions import db

audit_cli = AppGroup("audit", help="Verify and maintain the audit trail.")


def _published_head(ctx, param, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    head_id, _, head_hash = value.partition(":")
    if not head_id.isdigit() or len(head_hash) != 64:
        raise click.BadParameter("expected <id>:<64 hex digits>, as printed by `audit head`")
    return int(head_id), head_hash.lower()


@audit_cli.command("verify")
@click.option("--expect-head", callback=_published_head, metavar="ID:HASH",
              help="Also check that a head published earlier is still in the chain.")
def verify_command(expect_head: tuple[int, str] | None) -> None:
    """Recompute the whole hash chain; exit 1 at the first broken event."""
    result = operations.verify_chain(expect_head)
    click.echo(result.report())
    sys.exit(0 if result.ok else 1)


@audit_cli.command("head")
def head_command() -> None:
    """Print the id and hash of the last event, to publish or sign outside the system."""
    with db.engine.connect() as connection:
        head = read_head(connection)
    click.echo(f"{head.id} {head.hash}")


def _utc_date(ctx, param, value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


@audit_cli.command("redact")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), callback=_utc_date,
              help="Redact the payloads of events that occurred before this date (UTC).")
@click.option("--case", "case_id", type=int, help="Redact the payloads of this case's events.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def redact_command(before: datetime | None, case_id: int | None, yes: bool) -> None:
    """Remove personal data from old events' payloads; the chain stays verifiable."""
    if before is None and case_id is None:
        raise click.UsageError("give --before, --case, or both")
    if not yes:
        click.confirm("Redacted payloads cannot be recovered. Continue?", abort=True)
    with unit_of_work():
        count = operations.redact_payloads(before, case_id)
    click.echo(f"Redacted the payloads of {count} events.")
