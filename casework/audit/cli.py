"""`flask audit ...`: verify the chain, print its head, sign checkpoints, redact old payloads.

`redact` runs on the schema owner's connection (MIGRATION_DATABASE_URL), not in the
session's unit of work: with two roles the application's role may not UPDATE the audit
table at all (casework.maintenance.roles), and retention is an operator's act.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from casework.audit import checkpoints, operations
from casework.audit.chain import read_head
from casework.core.database import has_separate_owner, owner_engine
from casework.extensions import db

INSUFFICIENT_PRIVILEGE = "42501"

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
    result, checkpoint = operations.verify_with_checkpoint(expect_head)
    click.echo(result.report())
    if result.ok and checkpoint is not None:
        click.echo(f"Checked against the latest signed checkpoint, {checkpoint.name}.")
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
    try:
        with owner_engine().begin() as connection:
            count = operations.redact_payloads(before, case_id, connection)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE or has_separate_owner():
            raise
        raise click.ClickException(
            "This database role may not change audit events. Run `audit redact` as the schema "
            "owner: set MIGRATION_DATABASE_URL to the owner's URL (README, Production).") from None
    click.echo(f"Redacted the payloads of {count} events.")


@audit_cli.command("keygen")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the private key (default: AUDIT_SIGNING_KEY).")
def keygen_command(key_path: Path | None) -> None:
    """Make the Ed25519 key that signs audit checkpoints (never overwrites one)."""
    private_path = key_path or checkpoints.signing_key_path()
    public_path = (private_path.with_name(private_path.name + ".pub") if key_path
                   else checkpoints.public_key_path())
    try:
        public_key = checkpoints.generate_key(private_path, public_path)
    except checkpoints.CheckpointError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Private key: {private_path} (readable by its owner only; keep a copy offline, "
               "never in a backup of the database)")
    click.echo(f"Public key:  {public_path}")
    click.echo(f"Key id:      {checkpoints.key_id(public_key)}")
    click.echo(checkpoints.public_key_pem(public_key), nl=False)


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the chain's head now and write the checkpoint (exit 1 if the chain disagrees)."""
    try:
        with db.engine.connect() as connection:
            path, checkpoint = checkpoints.make_checkpoint(connection)
    except checkpoints.ChainDisagrees as error:
        click.echo(str(error))
        click.echo("No checkpoint was signed: the chain no longer holds what the latest "
                   "checkpoint signed.")
        sys.exit(1)
    except checkpoints.CheckpointError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Checkpoint {path}: {checkpoint.count} events, head {checkpoint.head_id} "
               f"{checkpoint.head_hash}")
