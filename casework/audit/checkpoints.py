"""Signed audit checkpoints: the chain's head, signed with Ed25519 and kept outside the database.

Why: the hash chain proves that no event was altered or removed *before* its head, but
whoever can write the database can delete the newest events (or rewrite the tail and
recompute its hashes) and the chain still verifies (issue 10, finding 6). A checkpoint
pins the head: at a given time the chain held ``count`` events and event ``head_id`` had
hash ``head_hash``. It is signed with a key the database administrator does not hold,
written to a directory the database administrator cannot rewrite, and served publicly
(``GET /audit/checkpoints``) so that outside witnesses keep copies, as Certificate
Transparency logs publish their signed tree heads. ``audit verify`` checks the chain against
the latest checkpoint and names a truncated or rewritten tail.

What is signed
--------------
The canonical JSON (sorted keys, no spaces, UTF-8; ``chain.canonical_json``) of::

    {"type": "casework.audit.checkpoint", "version": 1, "count": N, "head_id": N,
     "head_hash": "<hex>", "head_time": "<UTC time of the head event>",
     "signed_at": "<UTC time of signing>", "key_id": "<SHA-256 of the raw public key>"}

A checkpoint file is that object plus ``"signature"`` (base64 of the Ed25519 signature),
named ``<head id, 12 digits>-<signed_at, compact>.json`` so names sort in chain order. Files
are written once (a hard link refuses an existing name) and made read-only.

A new checkpoint extends the previous one: before signing, the event at the previous
checkpoint's head must still have that hash, and the chain must not have shrunk; otherwise
nothing is signed and the reason is reported (a tampered tail is never blessed).

When checkpoints are made
-------------------------
On demand (``flask audit checkpoint``), and every ``AUDIT_CHECKPOINT_INTERVAL``: when an
application context ends (a request, a command, a background job) and the newest
checkpoint is older than the interval, a checkpoint job is enqueued through
``casework.core.jobs``: run at once in the embedded setting (no Redis), by a ``jobs
worker`` in production. Each process looks at the directory at most once per interval,
and the job takes a file lock and looks again, so several processes or servers make one
checkpoint per interval between them. No activity, no new events, no checkpoint needed.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, appcontext_tearing_down, current_app
from sqlalchemy import Connection, func, select

from casework.audit.chain import (
    GENESIS_HASH,
    Head,
    Verification,
    audit_events,
    canonical_json,
    canonical_time,
)
from casework.core.jobs import enqueue
from casework.extensions import db

log = logging.getLogger(__name__)

CHECKPOINT_TYPE = "casework.audit.checkpoint"
CHECKPOINT_VERSION = 1
CHECKPOINT_NAME = re.compile(r"^([0-9]{12})-([0-9]{8}T[0-9]{12}Z)\.json$")
CHECKPOINT_STEM = re.compile(r"[0-9]{12}-[0-9]{8}T[0-9]{12}Z")
NAME_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
LOCK_FILE = ".lock"
# Checkpoints are never changed once written; keys are read-only to everyone but nobody.
CHECKPOINT_MODE = 0o444
PRIVATE_KEY_MODE = 0o400
PUBLIC_KEY_MODE = 0o444
SCHEDULE = "casework.audit.checkpoint_schedule"


class CheckpointError(Exception):
    """A checkpoint cannot be made or read; the message says why and what to do."""


class ChainDisagrees(CheckpointError):
    """The database no longer holds what the latest checkpoint signed: nothing is signed."""

    def __init__(self, broken_at: int, problem: str):
        super().__init__(f"BROKEN at event {broken_at}: {problem}")
        self.broken_at = broken_at
        self.problem = problem


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head_id: int
    head_hash: str
    head_time: str | None
    signed_at: str
    key_id: str
    signature: str = ""

    def statement(self) -> dict[str, Any]:
        """The signed object: every field but the signature, with the type and version."""
        fields = asdict(self)
        del fields["signature"]
        return {"type": CHECKPOINT_TYPE, "version": CHECKPOINT_VERSION, **fields}

    def message(self) -> bytes:
        return canonical_json(self.statement()).encode("utf-8")

    def as_dict(self) -> dict[str, Any]:
        return {**self.statement(), "signature": self.signature}

    @property
    def file_name(self) -> str:
        signed = datetime.strptime(self.signed_at, "%Y-%m-%dT%H:%M:%S.%fZ")
        return f"{self.head_id:012d}-{signed.strftime(NAME_TIME_FORMAT)}.json"

    @property
    def signed_moment(self) -> datetime:
        return datetime.strptime(self.signed_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# -- where things are ---------------------------------------------------------------------

def checkpoint_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("AUDIT_CHECKPOINT_PATH")
    return Path(configured) if configured else Path(app.instance_path) / "audit-checkpoints"


def signing_key_path(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("AUDIT_SIGNING_KEY")
    return Path(configured) if configured else Path(app.instance_path) / "audit-signing-key.pem"


def public_key_path(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("AUDIT_PUBLIC_KEY")
    if configured:
        return Path(configured)
    private = signing_key_path(app)
    return private.with_name(private.name + ".pub")


# -- keys ---------------------------------------------------------------------------------

def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_key(public_key)).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create the file with its final mode; an existing file is never replaced."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(handle, data)
        os.fsync(handle)
    finally:
        os.close(handle)
    os.chmod(path, mode)


def generate_key(private_path: Path, public_path: Path) -> Ed25519PublicKey:
    """Make a new Ed25519 key pair: the private key readable by its owner only."""
    for path in (private_path, public_path):
        if path.exists():
            raise CheckpointError(
                f"{path} exists already. A key is never overwritten: checkpoints signed with "
                "it could no longer be checked. Move it away first if you mean to replace it.")
    private_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    _write_new_file(private_path, private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), PRIVATE_KEY_MODE)
    public_key = private_key.public_key()
    _write_new_file(public_path, public_key_pem(public_key).encode("ascii"), PUBLIC_KEY_MODE)
    return public_key


def load_private_key() -> Ed25519PrivateKey:
    path = signing_key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(
            f"No audit signing key at {path}: make one with `flask --app wsgi audit keygen` "
            "(or set AUDIT_SIGNING_KEY to its path).") from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key.")
    if path.stat().st_mode & 0o077:
        log.warning("audit signing key %s is readable by others than its owner", path)
    return key


def load_public_key() -> Ed25519PublicKey | None:
    """The public key checkpoints are checked with (its file, else the private key's half)."""
    path = public_key_path()
    if path.is_file():
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"{path} is not an Ed25519 public key.")
        return key
    if signing_key_path().is_file():
        return load_private_key().public_key()
    return None


# -- reading checkpoints ------------------------------------------------------------------

def checkpoint_files(directory: Path | None = None) -> list[Path]:
    """Checkpoint files in chain order (their names sort so); other files are ignored."""
    directory = directory or checkpoint_dir()
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return [directory / name for name in sorted(names) if CHECKPOINT_NAME.match(name)]


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("type") != CHECKPOINT_TYPE or data.get("version") != CHECKPOINT_VERSION:
            raise ValueError("not a version 1 checkpoint")
        checkpoint = Checkpoint(
            count=int(data["count"]), head_id=int(data["head_id"]),
            head_hash=str(data["head_hash"]), head_time=data.get("head_time"),
            signed_at=str(data["signed_at"]), key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )
        if checkpoint.file_name != path.name:
            raise ValueError(f"its contents name it {checkpoint.file_name}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CheckpointError(f"the checkpoint {path.name} cannot be read ({error})") from None
    return checkpoint


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str | None:
    """Why the checkpoint's signature is not good, or None."""
    if checkpoint.key_id != key_id(public_key):
        return (f"it was signed by key {checkpoint.key_id[:16]}…, not by the configured audit "
                f"key {key_id(public_key)[:16]}…")
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True),
                          checkpoint.message())
    except (InvalidSignature, binascii.Error, ValueError):
        return "its signature does not verify with the audit public key (it was altered or forged)"
    return None


def latest_checkpoint(directory: Path | None = None) -> tuple[Path, Checkpoint] | None:
    files = checkpoint_files(directory)
    if not files:
        return None
    return files[-1], read_checkpoint(files[-1])


def listing(after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Checkpoints after the named one (a file name without .json), oldest first, at most
    `limit`, as published; and the cursor of the next page. An unreadable file is listed
    with the reason: a witness should see it, not miss it."""
    files = [path for path in checkpoint_files() if after is None or path.stem > after]
    page = files[:limit]
    entries: list[dict[str, Any]] = []
    for path in page:
        try:
            entries.append({"name": path.stem, **read_checkpoint(path).as_dict()})
        except CheckpointError as error:
            entries.append({"name": path.stem, "unreadable": str(error)})
    return entries, (page[-1].stem if len(files) > limit else None)


# -- checking the chain against a checkpoint ----------------------------------------------

def _stored_hash(connection: Connection, event_id: int) -> str | None:
    return connection.execute(
        select(audit_events.c.hash).where(audit_events.c.id == event_id)
    ).scalar_one_or_none()


def _last_confirmed(connection: Connection, files: list[Path], below: int) -> int:
    """The highest head, among older checkpoints, that the chain still holds (0 if none)."""
    for path in reversed(files):
        try:
            older = read_checkpoint(path)
        except CheckpointError:
            continue
        if older.head_id < below and (older.head_id == 0
                                      or _stored_hash(connection, older.head_id) == older.head_hash):
            return older.head_id
    return 0


def disagreement(connection: Connection, checkpoint: Checkpoint, head: Head, count: int,
                 files: list[Path]) -> tuple[int, str] | None:
    """Where the chain disagrees with a checkpoint: (event, what is wrong), or None."""
    signed = f"the checkpoint signed at {checkpoint.signed_at}"
    if count < checkpoint.count or head.id < checkpoint.head_id:
        first_missing = head.id + 1
        missing = (f"event {first_missing} is missing" if first_missing == checkpoint.head_id
                   else f"events {first_missing} to {checkpoint.head_id} are missing")
        return first_missing, (f"{missing}: {signed} covers {checkpoint.count} events, but the "
                               f"chain ends at event {head.id} (its newest events were deleted)")
    if checkpoint.head_id == 0:
        return None
    if _stored_hash(connection, checkpoint.head_id) != checkpoint.head_hash:
        confirmed = _last_confirmed(connection, files, checkpoint.head_id)
        return checkpoint.head_id, (
            f"its hash differs from the one {signed} holds: the events after event {confirmed} "
            f"(the last one a checkpoint confirms) were rewritten")
    return None


def check_chain(connection: Connection, result: Verification) -> tuple[Verification, Path | None]:
    """The chain verification, broken if the latest checkpoint disagrees; and that checkpoint.

    Run after `chain.verify` found the chain itself sound. A checkpoint that cannot be read,
    or whose signature is not the configured key's, breaks the verification too.
    """
    files = checkpoint_files()
    if not files or not result.ok:
        return result, None
    path = files[-1]
    claimed = int(CHECKPOINT_NAME.match(path.name).group(1))
    try:
        checkpoint = read_checkpoint(path)
        public_key = load_public_key()
    except CheckpointError as error:
        return Verification(result.count, result.head, claimed, str(error)), path
    if public_key is None:
        return Verification(result.count, result.head, claimed,
                            f"checkpoints exist but there is no audit public key to check them "
                            f"with ({public_key_path()})"), path
    problem = signature_problem(checkpoint, public_key)
    if problem:
        return Verification(result.count, result.head, checkpoint.head_id,
                            f"the latest checkpoint {path.name} claims this event as its head, "
                            f"but {problem}"), path
    found = disagreement(connection, checkpoint, result.head, result.count, files[:-1])
    if found:
        return Verification(result.count, result.head, *found), path
    return result, path


# -- making checkpoints -------------------------------------------------------------------

@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """One checkpoint writer at a time (processes and servers sharing the directory)."""
    with open(directory / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _store(directory: Path, checkpoint: Checkpoint) -> Path:
    """Write the checkpoint under its name, never over another file.

    Written in place (one small write, then fsync) rather than renamed from a temporary
    file: the directory may be append-only storage, where nothing can be removed.
    """
    final = directory / checkpoint.file_name
    data = (json.dumps(checkpoint.as_dict(), sort_keys=True, indent=1) + "\n").encode("utf-8")
    _write_new_file(final, data, CHECKPOINT_MODE)
    directory_handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_handle)
    finally:
        os.close(directory_handle)
    return final


def _head(connection: Connection) -> tuple[int, Head]:
    """The number of events and the head, from one snapshot (a single statement)."""
    count, head_id = connection.execute(
        select(func.count(), func.coalesce(func.max(audit_events.c.id), 0))
    ).one()
    if head_id == 0:
        return count, Head(0, GENESIS_HASH, None)
    row = connection.execute(select(audit_events.c.hash, audit_events.c.occurred_at)
                             .where(audit_events.c.id == head_id)).one()
    return count, Head(head_id, row.hash, row.occurred_at)


def _time_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return canonical_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _extends_previous(connection: Connection, previous: Checkpoint, head: Head, count: int,
                      public_key: Ed25519PublicKey, files: list[Path]) -> None:
    """Refuse to sign unless the chain still holds what the previous checkpoint signed."""
    if previous.key_id == key_id(public_key):
        problem = signature_problem(previous, public_key)
        if problem:
            raise ChainDisagrees(previous.head_id, f"the latest checkpoint {previous.file_name} "
                                                   f"claims this event as its head, but {problem}")
    found = disagreement(connection, previous, head, count, files)
    if found:
        raise ChainDisagrees(*found)


def make_checkpoint(connection: Connection, *, unless_younger_than: timedelta | None = None
                    ) -> tuple[Path, Checkpoint] | None:
    """Sign the chain's head and write the checkpoint; None if a recent one exists already.

    `unless_younger_than`: the periodic job's condition, checked again under the lock.
    Raises ChainDisagrees when the chain no longer holds the previous checkpoint's head.
    """
    private_key = load_private_key()
    public_key = private_key.public_key()
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with writer_lock(directory):
        files = checkpoint_files(directory)
        previous = read_checkpoint(files[-1]) if files else None
        now = datetime.now(UTC)
        if (previous is not None and unless_younger_than is not None
                and now - previous.signed_moment < unless_younger_than):
            return None
        count, head = _head(connection)
        if previous is not None:
            _extends_previous(connection, previous, head, count, public_key, files[:-1])
        unsigned = Checkpoint(count=count, head_id=head.id, head_hash=head.hash,
                              head_time=_time_text(head.occurred_at),
                              signed_at=canonical_time(now), key_id=key_id(public_key))
        signature = base64.b64encode(private_key.sign(unsigned.message())).decode("ascii")
        checkpoint = Checkpoint(**{**asdict(unsigned), "signature": signature})
        return _store(directory, checkpoint), checkpoint


def checkpoint_interval(app: Flask | None = None) -> timedelta | None:
    """AUDIT_CHECKPOINT_INTERVAL as a duration (a number is seconds); None or 0: on demand only."""
    value = (app or current_app).config.get("AUDIT_CHECKPOINT_INTERVAL")
    if not value:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def checkpoint_job() -> None:
    """The periodic job: a checkpoint unless one younger than the interval exists."""
    interval = checkpoint_interval()
    if not interval:
        return
    with db.engine.connect() as connection:
        made = make_checkpoint(connection, unless_younger_than=interval)
    if made is not None:
        log.info("audit checkpoint %s written", made[0])


# -- the schedule -------------------------------------------------------------------------

def _due(app: Flask) -> bool:
    """Whether this process should enqueue a checkpoint now (looks at most once per interval)."""
    interval = checkpoint_interval(app)
    if interval is None:
        return False
    directory, key = checkpoint_dir(app), signing_key_path(app)
    schedules = app.extensions.setdefault(SCHEDULE, {})
    setting = (str(directory), str(key), interval)
    now = time.time()
    if now < schedules.get(setting, 0.0):
        return False
    schedules[setting] = now + interval.total_seconds()
    if not key.is_file():
        if app.config.get("CASEWORK_ENV") == "production":
            log.warning("no audit signing key at %s: no checkpoint is signed "
                        "(make one with `flask --app wsgi audit keygen`)", key)
        return False
    files = checkpoint_files(directory)
    if files:
        match = CHECKPOINT_NAME.match(files[-1].name)
        signed = datetime.strptime(match.group(2), NAME_TIME_FORMAT).replace(tzinfo=UTC)
        next_due = signed + interval
        if next_due > datetime.now(UTC):
            schedules[setting] = next_due.timestamp()
            return False
    return True


def _checkpoint_if_due(app: Flask, exc: BaseException | None = None, **extra: Any) -> None:
    try:
        if _due(app):
            enqueue(checkpoint_job)
    except Exception:  # noqa: BLE001  (a checkpoint must never fail a request or a job)
        log.exception("audit checkpoint: the periodic checkpoint failed")


def install_checkpoint_schedule(app: Flask) -> None:
    """Enqueue a checkpoint when an app context ends and the newest is older than the interval."""
    appcontext_tearing_down.connect(_checkpoint_if_due, app, weak=False)
