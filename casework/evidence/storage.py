"""The evidence store: files named by their SHA-256, outside the web root, never overwritten.

Layout: ``<EVIDENCE_PATH>/ab/cd/<sha256>`` (default ``<instance>/evidence``), where
``ab`` and ``cd`` are the first two pairs of hex digits, so no directory grows too
large. The app never serves this directory; files leave it only through the
authorized download route.

Writing is atomic: an upload is streamed into a temporary file under
``.incoming/`` (same file system), hashed and size-checked on the way, fsynced,
checked for its type, then hard-linked to its final name. A hard link fails if
the name exists, so a stored file is never replaced, not even by a concurrent
upload of the same content; the same content uploaded twice is stored once.

Orphans are harmless: if the database transaction fails after a file was stored,
the file stays without an evidence row. It is named by its content, so a later
upload of the same file simply reuses it, and nothing refers to a wrong file.
A crash mid-upload can leave a temporary file in ``.incoming/``; both kinds can
be swept by an operator at any time (``.incoming/`` files older than a day, and
stored files no evidence row names).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024
INCOMING = ".incoming"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Stored files are read-only: a stray write fails instead of changing evidence.
STORED_MODE = 0o440
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class FileTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class EmptyFile(Exception):
    pass


@dataclass
class IncomingFile:
    """An upload received into a temporary file, not yet stored."""

    path: Path
    sha256: str
    size: int


class EvidenceStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not SHA256_HEX.fullmatch(sha256):
            raise ValueError("not a hex SHA-256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    @contextmanager
    def receive(self, source: BinaryIO, max_bytes: int) -> Iterator[IncomingFile]:
        """Stream an upload into a temporary file; it is removed on leaving unless stored."""
        incoming_dir = self.root / INCOMING
        incoming_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=incoming_dir, prefix="upload-")
        path = Path(name)
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(handle, "wb") as target:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    digest.update(chunk)
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            if size == 0:
                raise EmptyFile()
            yield IncomingFile(path, digest.hexdigest(), size)
        finally:
            path.unlink(missing_ok=True)

    def keep(self, incoming: IncomingFile) -> Path:
        """Give the received file its content name, unless a file already has it."""
        final = self.path_for(incoming.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(incoming.path, STORED_MODE)
        try:
            # link(), unlike rename(), refuses to replace an existing name.
            os.link(incoming.path, final)
        except FileExistsError:
            return final
        _fsync_directory(final.parent)
        return final

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")


def _fsync_directory(directory: Path) -> None:
    """Make the new directory entry durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def evidence_root() -> Path:
    configured = current_app.config.get("EVIDENCE_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def current_store() -> EvidenceStore:
    return EvidenceStore(evidence_root())


def max_upload_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or DEFAULT_MAX_BYTES)
