"""Evidence: upload to a case, withdraw with a reason, and who sees a protected witness.

Operations flush, never commit. An upload checks everything about the form first,
then streams the file into the evidence store and checks its content; only a file
of an accepted type, within the size limit, is stored, and only then is the row
added. Nothing is ever deleted or overwritten: a wrong upload is withdrawn.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from casework.core import signals
from casework.core.authz import Role
from casework.core.errors import Conflict, InvalidInput
from casework.core.models import utcnow
from casework.core.text import single_line_text
from casework.core.web import upload_limit
from casework.evidence.filetypes import (
    accepted_labels,
    detect,
)
from casework.evidence.models import (
    Evidence,
    EvidenceKind,
)
from casework.evidence.storage import (
    EmptyFile,
    EvidenceStore,
    FileTooLarge,
    current_store,
    max_upload_bytes,
)
from casework.extensions import db
from casework.intake.models.cases import Case, CaseStage

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
WITNESS_NAME_MAX = 200
WITNESS_CONTACT_MAX = 300
REASON_MAX = 2000
FILENAME_MAX = 255
# Control characters (incl. NUL, which PostgreSQL refuses in text), except tab and newline.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LINE_BREAKS = re.compile(r"[\r\n\t]+")


@dataclass
class EvidenceDetails:
    """What the uploader says about the file."""

    kind: EvidenceKind | str
    title: str
    description: str | None = None
    person_id: int | None = None
    witness_name: str | None = None
    witness_contact: str | None = None
    identity_protected: bool = False


def _text(value: str | None, single_line: bool = True) -> str | None:
    value = unicodedata.normalize("NFC", value or "")
    if single_line:
        value = single_line_text(LINE_BREAKS.sub(" ", value))
    value = CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n")).strip()
    return value or None


def clean_filename(name: str | None) -> str:
    """The uploader's file name as data: its last path part, without control characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = _text(name) or str(_l("(no name)"))
    return name[:FILENAME_MAX]


def _too_long(value: str | None, limit: int, field: str) -> InvalidInput | None:
    if value is not None and len(value) > limit:
        return InvalidInput(
            _l("At most %(limit)s characters, please.", limit=limit), field
        )
    return None


def evidence_problems(case: Case, details: EvidenceDetails) -> list[InvalidInput]:
    """Everything wrong with the details, before any byte of the file is stored."""
    problems: list[InvalidInput] = []
    try:
        EvidenceKind(details.kind)
    except ValueError:
        problems.append(InvalidInput(_l("Choose the kind of evidence from the list."), "kind"))
    if not _text(details.title):
        problems.append(InvalidInput(_l("Give the evidence a title."), "title"))
    if details.person_id is not None and details.person_id not in {p.id for p in case.persons}:
        problems.append(
            InvalidInput(_l("Choose a member of this case's household, or none."), "person_id")
        )
    for value, limit, field in (
        (_text(details.title), TITLE_MAX, "title"),
        (_text(details.description, single_line=False), DESCRIPTION_MAX, "description"),
        (_text(details.witness_name), WITNESS_NAME_MAX, "witness_name"),
        (_text(details.witness_contact), WITNESS_CONTACT_MAX, "witness_contact"),
    ):
        if problem := _too_long(value, limit, field):
            problems.append(problem)
    return problems


def _ensure_accepts_evidence(case: Case) -> None:
    if case.stage == CaseStage.merged:
        raise Conflict(
            _l("Case %(reference)s was merged into another case: add evidence to that case.",
               reference=case.reference)
        )


# Messages that quote what the user sent are translated at once (gettext), never lazily:
# flask-babel's lazy strings declare themselves safe HTML, so Jinja would not escape them.


def upload_evidence(
    case: Case,
    source: BinaryIO,
    original_filename: str | None,
    details: EvidenceDetails,
    actor: Any,
    store: EvidenceStore | None = None,
) -> Evidence:
    """Store the file by its content and record it as evidence of the case.

    Raises InvalidInput (field ``file`` for the file itself) and stores nothing when
    the details or the file are refused. Emits ``evidence_added`` once the row exists.
    """
    _ensure_accepts_evidence(case)
    problems = evidence_problems(case, details)
    if problems:
        raise problems[0]
    store = store or current_store()
    filename = clean_filename(original_filename)
    try:
        with store.receive(source, max_upload_bytes()) as incoming:
            with incoming.path.open("rb") as received:
                file_type = detect(received)
            if file_type is None:
                raise InvalidInput(
                    _("The content of “%(name)s” is not one of the accepted types (%(types)s). "
                       "The type is read from the file's content, not from its name.",
                       name=filename, types=accepted_labels()),
                    "file",
                )
            store.keep(incoming)
    except FileTooLarge as error:
        raise InvalidInput(
            _("“%(name)s” is larger than the limit of %(limit)s. Send a smaller file, "
               "or split it into parts.", name=filename, limit=upload_limit()),
            "file",
        ) from error
    except EmptyFile as error:
        raise InvalidInput(_("“%(name)s” is empty.", name=filename), "file") from error

    evidence = Evidence(
        case_id=case.id,
        person_id=details.person_id,
        kind=EvidenceKind(details.kind),
        title=_text(details.title),
        description=_text(details.description, single_line=False),
        original_filename=filename,
        media_type=file_type.media_type,
        size_bytes=incoming.size,
        sha256=incoming.sha256,
        uploaded_by_id=actor.id if actor is not None else None,
        uploaded_at=utcnow(),
        witness_name=_text(details.witness_name),
        witness_contact=_text(details.witness_contact),
        identity_protected=bool(details.identity_protected),
    )
    db.session.add(evidence)
    db.session.flush()
    signals.evidence_added.send(current_app._get_current_object(), evidence=evidence, case=case)
    return evidence


def withdraw_evidence(evidence: Evidence, reason: str | None, actor: Any) -> Evidence:
    """Mark evidence withdrawn (it stays listed and downloadable); the reason is mandatory."""
    reason = _text(reason, single_line=False)
    if not reason:
        raise InvalidInput(_l("Say why this evidence is withdrawn."), "reason")
    if problem := _too_long(reason, REASON_MAX, "reason"):
        raise problem
    if evidence.is_withdrawn:
        raise Conflict(_l("This evidence was already withdrawn."))
    evidence.withdrawn_at = utcnow()
    evidence.withdrawn_by_id = actor.id if actor is not None else None
    evidence.withdrawal_reason = reason
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict(
            _l("Someone else changed this evidence at the same moment. Reload and check.")
        ) from error
    return evidence


def may_see_witness_identity(user: Any, case: Case) -> bool:
    """Protected witnesses: only the case's assigned caseworker and its office's supervisors."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.office_id != case.office_id:
        return False
    if user.role == Role.supervisor:
        return True
    return user.role == Role.caseworker and user.id == case.assigned_to_id


def evidence_of_case(case_id: int) -> list[Evidence]:
    """A case's evidence, oldest first, with everything the list shows (one statement)."""
    return list(
        db.session.scalars(
            select(Evidence)
            .where(Evidence.case_id == case_id)
            .options(
                joinedload(Evidence.uploaded_by),
                joinedload(Evidence.withdrawn_by),
                joinedload(Evidence.person),
            )
            .order_by(Evidence.id)
        ).unique()
    )
