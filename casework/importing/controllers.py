"""Supervisors import cases from a CSV file: upload, the check's or import's report, confirm.

The work is done by the import job (casework.importing.jobs): inline when Redis is
not configured, so the report shows at once; otherwise by a worker, and the report page
shows that the file is waiting until the job has written its report.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from casework.core.authz import Action, authorize, requires
from casework.core.jobs import enqueue
from casework.core.web import upload_limit
from casework.importing.forms import (
    ImportConfirmForm,
    ImportUploadForm,
)
from casework.importing.jobs import (
    DONE,
    QUEUED,
    ImportUpload,
    load_upload,
    run_import_job,
    save_upload,
    settle_abandoned,
)
from casework.importing.operations import (
    COLUMNS,
    RECORD_KINDS,
)

# The format's sample, at the top of the project (README and docs/import-format.md).
SAMPLE_FILE = "sample_cases.csv"


@dataclass(frozen=True)
class ImportTarget:
    """What an upload is checked against: the office it imports into."""

    office_id: int


def _upload(token: str) -> ImportUpload:
    upload = load_upload(token)
    if upload is None:
        abort(404)
    authorize(Action.import_cases, ImportTarget(upload.office_id))
    return upload


def _start(upload: ImportUpload, dry_run: bool) -> None:
    upload.dry_run, upload.status, upload.report = dry_run, QUEUED, None
    upload.save()
    handle = enqueue(run_import_job, upload.token, dry_run)
    if not handle.inline:
        upload.job_id = handle.id
        upload.save()


@requires(Action.import_cases)
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = save_upload(form.file.data.stream, form.file.data.filename, current_user,
                             form.dry_run.data)
        _start(upload, form.dry_run.data)
        return redirect(url_for("importing.result", token=upload.token))
    return render_template(
        "importing/upload.html", form=form, limit=upload_limit(), columns=COLUMNS,
        kinds=RECORD_KINDS,
    ), 400 if form.errors else 200


@requires(Action.import_cases)
def import_result(token: str):
    upload = settle_abandoned(_upload(token))
    return render_template(
        "importing/result.html", upload=upload, report=upload.result,
        waiting=upload.status == QUEUED, done=upload.status == DONE,
        confirm_form=ImportConfirmForm(),
    )


@requires(Action.import_cases)
def import_confirm(token: str):
    upload = _upload(token)
    form = ImportConfirmForm()
    report = upload.result
    if not form.validate_on_submit() or report is None or not report.dry_run \
            or not report.valid or not upload.csv_path.exists():
        flash(_("Only a file whose check found no problem can be imported; upload it again."),
              "warning")
        return redirect(url_for("importing.result", token=upload.token))
    _start(upload, dry_run=False)
    return redirect(url_for("importing.result", token=upload.token))


@requires(Action.import_cases)
def import_template():
    """A blank file with the header row, ready for a spreadsheet (UTF-8 with its mark, so
    that spreadsheets read Arabic right)."""
    authorize(Action.import_cases)
    header = ",".join(column.name for column in COLUMNS) + "\r\n"
    return Response(codecs.BOM_UTF8 + header.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition":
                             "attachment; filename=casework-import-template.csv"})


@requires(Action.import_cases)
def import_sample():
    """The sample file of the format (fictional households), which imports cleanly into
    the demo data."""
    authorize(Action.import_cases)
    return send_from_directory(Path(current_app.root_path).parent, SAMPLE_FILE,
                               mimetype="text/csv", as_attachment=True)
