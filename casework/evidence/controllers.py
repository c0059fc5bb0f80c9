"""Evidence pages: upload to a case, download, withdraw; and the case page's evidence section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from casework.core import signals
from casework.core.authz import Action, authorize, can, requires
from casework.core.bidi import isolated
from casework.core.sections import (
    CaseSection,
    register_case_section,
)
from casework.core.transaction import refusal_shown
from casework.core.web import format_size, upload_limit
from casework.evidence import operations
from casework.evidence.filetypes import (
    BY_MEDIA_TYPE,
    accepted_labels,
)
from casework.evidence.forms import (
    ACCEPT_ATTRIBUTE,
    EvidenceUploadForm,
    WithdrawEvidenceForm,
)
from casework.evidence.models import (
    EVIDENCE_KIND_LABELS,
    Evidence,
)
from casework.evidence.storage import current_store
from casework.extensions import db
from casework.intake.models.cases import Case, CaseStage

# A downloaded file may be opened by the browser despite the attachment header
# (e.g. a PDF viewer): it runs with no rights on this site.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@dataclass
class EvidencePanel:
    """What the case page's evidence section shows to a user."""

    case: Case
    items: list[Evidence]
    identity_visible: bool
    can_upload: bool
    can_download: bool
    can_withdraw: bool
    kind_labels: dict
    type_labels: dict
    format_size: Callable[[int], str] = format_size


def evidence_section(case: Case, user: Any) -> dict:
    """The case page's evidence section: one statement, whatever the number of items."""
    return {
        "evidence": EvidencePanel(
            case=case,
            items=operations.evidence_of_case(case.id),
            identity_visible=operations.may_see_witness_identity(user, case),
            can_upload=can(user, Action.upload_evidence, case) and case.stage != CaseStage.merged,
            can_download=can(user, Action.download_evidence, case),
            can_withdraw=can(user, Action.withdraw_evidence, case),
            kind_labels=EVIDENCE_KIND_LABELS,
            type_labels={media_type: t.label for media_type, t in BY_MEDIA_TYPE.items()},
        )
    }


register_case_section(CaseSection("evidence", "evidence/_case_section.html", evidence_section, order=20))


def _case(case_id: int) -> Case:
    return db.get_or_404(Case, case_id)


def _evidence(evidence_id: int) -> Evidence:
    evidence = db.session.scalar(
        select(Evidence).where(Evidence.id == evidence_id).options(joinedload(Evidence.case))
    )
    if evidence is None:
        abort(404)
    return evidence


def case_page_url(case: Case) -> str:
    return url_for("intake.case_page", case_id=case.id, _anchor="evidence")


@requires(Action.upload_evidence)
def upload(case_id: int):
    case = _case(case_id)
    authorize(Action.upload_evidence, case)
    form = EvidenceUploadForm()
    form.set_persons(case.persons)
    if form.validate_on_submit():
        upload_file = form.file.data
        details = operations.EvidenceDetails(
            kind=form.kind.data,
            title=form.title.data,
            description=form.description.data,
            person_id=form.selected_person_id,
            witness_name=form.witness_name.data,
            witness_contact=form.witness_contact.data,
            identity_protected=form.identity_protected.data,
        )
        with refusal_shown(form):
            evidence = operations.upload_evidence(
                case, upload_file.stream, upload_file.filename, details, current_user
            )
            flash(isolated(_("Evidence “%(title)s” added to case %(reference)s."),
                           title=evidence.title, reference=case.reference), "success")
            return redirect(case_page_url(case))
    return render_template(
        "evidence/upload.html", case=case, form=form,
        limit=upload_limit(), accepted=accepted_labels(), accept=ACCEPT_ATTRIBUTE,
        back_url=case_page_url(case),
    )


@requires(Action.download_evidence)
def download(evidence_id: int):
    evidence = _evidence(evidence_id)
    authorize(Action.download_evidence, evidence.case)
    if evidence.identity_protected and not operations.may_see_witness_identity(
        current_user, evidence.case
    ):
        # A protected witness's statement names the witness: it is shown to the same people
        # who see the identity (the assigned caseworker and the office's supervisors).
        abort(403, description=_(
            "This evidence comes from a protected witness. Only the assigned caseworker and "
            "the office's supervisors may open it."
        ))
    path = current_store().path_for(evidence.sha256)
    if not path.is_file():
        current_app.logger.error(
            "evidence %s: stored file %s is missing", evidence.id, evidence.sha256
        )
        abort(404, description=_(
            "The file of this evidence is missing from the evidence store. "
            "Please tell your administrator."
        ))
    signals.evidence_downloaded.send(current_app._get_current_object(), evidence=evidence)
    file_type = BY_MEDIA_TYPE.get(evidence.media_type)
    extension = file_type.extension if file_type else "bin"
    response = send_file(
        path,
        # Text gets "; charset=utf-8" from send_file: the content was checked to be UTF-8.
        mimetype=evidence.media_type,
        as_attachment=True,
        # Generated from the case reference and the row id: never the uploader's name.
        download_name=f"{evidence.case.reference}-evidence-{evidence.id}.{extension}",
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@requires(Action.withdraw_evidence)
def withdraw(evidence_id: int):
    evidence = _evidence(evidence_id)
    case = evidence.case
    authorize(Action.withdraw_evidence, case)
    form = WithdrawEvidenceForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.withdraw_evidence(evidence, form.reason.data, current_user)
            flash(isolated(_("Evidence “%(title)s” withdrawn. It stays listed, marked withdrawn."),
                           title=evidence.title), "success")
            return redirect(case_page_url(case))
    return render_template(
        "evidence/withdraw.html", evidence=evidence, case=case, form=form,
        identity_visible=operations.may_see_witness_identity(current_user, case),
        kind_labels=EVIDENCE_KIND_LABELS, back_url=case_page_url(case),
    )
