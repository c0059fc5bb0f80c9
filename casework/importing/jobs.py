"""Uploaded import files and the import job (inline without Redis, an RQ job with it).

An upload is kept under instance/imports/ as <token>.csv, with <token>.json holding who
uploaded it for which office, its status and, once the job ran, its report. The token
is random, but the result page still checks the office of the upload. A file that was
imported is deleted; a file only checked (dry run) is kept so the supervisor can import
it without uploading it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context
from flask_babel import gettext as _

from casework.audit.context import acting_as
from casework.auth.models import Office, User
from casework.core.authz import Role
from casework.core.jobs import job_given_up
from casework.core.models import utcnow
from casework.core.transaction import unit_of_work
from casework.extensions import db
from casework.importing.operations import (
    ImportReport,
    import_file,
)

IMPORTS_FOLDER = "imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
QUEUED, DONE, FAILED = "queued", "done", "failed"
COPY_CHUNK = 1024 * 1024


@dataclass
class ImportUpload:
    """An uploaded file waiting for, or done with, its import job."""

    token: str
    office_id: int
    user_id: int
    filename: str
    uploaded_at: str
    dry_run: bool
    status: str = QUEUED
    job_id: str | None = None
    report: dict[str, Any] | None = None

    @property
    def csv_path(self) -> Path:
        return imports_folder() / f"{self.token}.csv"

    @property
    def result(self) -> ImportReport | None:
        return ImportReport.from_dict(self.report) if self.report is not None else None

    def save(self) -> None:
        path = imports_folder() / f"{self.token}.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)


def imports_folder() -> Path:
    folder = Path(current_app.instance_path) / IMPORTS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def save_upload(stream: IO[bytes], filename: str, user: User, dry_run: bool) -> ImportUpload:
    """Store an uploaded file (streamed to disk, never held in memory) for the import job."""
    token = secrets.token_hex(16)
    upload = ImportUpload(
        token=token, office_id=user.office_id, user_id=user.id,
        filename=os.path.basename(filename or "")[:200] or "import.csv",
        uploaded_at=utcnow().isoformat(timespec="seconds"), dry_run=dry_run,
    )
    with open(upload.csv_path, "wb") as target:
        while chunk := stream.read(COPY_CHUNK):
            target.write(chunk)
    upload.save()
    return upload


def load_upload(token: str) -> ImportUpload | None:
    if not TOKEN.match(token or ""):
        return None
    path = imports_folder() / f"{token}.json"
    if not path.exists():
        return None
    return ImportUpload(**json.loads(path.read_text(encoding="utf-8")))


def settle_abandoned(upload: ImportUpload) -> ImportUpload:
    """Mark a queued upload failed once its job will never finish (a worker killed in the
    middle of it, see casework.core.jobs.job_given_up), so that its page says so and the
    file can be uploaded again. Nothing of it was imported: the import commits once, at
    its end, and a worker that dies takes its open transaction with it."""
    if upload.status == QUEUED and upload.job_id is not None and job_given_up(upload.job_id):
        upload.status, upload.report = FAILED, None
        upload.save()
    return upload


@contextlib.contextmanager
def _acting_for(user: User | None, token: str) -> Iterator[None]:
    """In a worker, attribute the audit events to the import (requests name their user)."""
    if has_request_context():
        yield
        return
    name = user.email if user is not None else None
    with acting_as("system", name=name, detail=f"import {token}"):
        yield


def _refusal(user: User | None, upload: ImportUpload) -> str | None:
    if user is None or not user.active or user.role != Role.supervisor \
            or user.office_id != upload.office_id:
        return _("The person who uploaded this file may no longer import cases for this office.")
    return None


class _NotImported(Exception):
    """Leaves the unit of work of a file that was not imported, so that it rolls back."""

    def __init__(self, report: ImportReport):
        super().__init__()
        self.report = report


def import_and_commit(path: Path | str, actor: User | None, *,
                      office_scope: Office | None = None, dry_run: bool = False) -> ImportReport:
    """`import_file` in a unit of work: committed when the file was imported, rolled back
    when it was not (a dry run, problems, or a row refused midway: see import_file)."""
    try:
        with unit_of_work():
            report = import_file(path, actor, office_scope=office_scope, dry_run=dry_run)
            if not report.imported:
                raise _NotImported(report)
    except _NotImported as not_imported:
        return not_imported.report
    return report


def run_import_job(token: str, dry_run: bool) -> dict[str, Any]:
    """The job: check (and unless a dry run, import) an uploaded file, in a unit of work
    committed only if the file was imported; keeps the report."""
    upload = load_upload(token)
    if upload is None:
        raise LookupError(f"no import upload {token}")
    user = db.session.get(User, upload.user_id)
    try:
        refusal = _refusal(user, upload)
        if refusal is not None:
            report = ImportReport(dry_run=dry_run)
            report.add_problem(0, None, refusal)
        else:
            with _acting_for(user, token):
                report = import_and_commit(upload.csv_path, user,
                                           office_scope=db.session.get(Office, upload.office_id),
                                           dry_run=dry_run)
    except Exception:
        upload.status, upload.report = FAILED, None
        upload.save()
        raise
    upload.dry_run, upload.status, upload.report = dry_run, DONE, report.as_dict()
    upload.save()
    if report.imported:
        upload.csv_path.unlink(missing_ok=True)
    return upload.report
