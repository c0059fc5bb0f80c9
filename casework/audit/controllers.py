"""Auditors' pages: the log, one event, a case's timeline, the CSV export; a record's
history for the pages of shared records (an incident); the public list of signed
checkpoints.

Events are shown as sentences in the reader's language (casework.audit.entries), with cases
named by their references; the field-level changes are one click away, and the raw record
on the event's page. Every auditor's page here is a read, and every read is itself
recorded. Nothing here (or anywhere in the app) edits or deletes an event. The checkpoint
list is public, like /healthz: it holds hashes and signatures only, and outside witnesses
fetch it to keep copies (casework.audit.checkpoints).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casework.audit import capture, checkpoints, entries, operations, queries
from casework.audit.forms import LogFilterForm, TimelineFilterForm
from casework.audit.models import AuditEvent
from casework.core import signals
from casework.core.authz import Action, authorize, can, public, requires
from casework.core.history import HistoryNames
from casework.core.ids import id_from_text
from casework.core.pagination import parse_after
from casework.core.transaction import unit_of_work
from casework.extensions import db

EXPORT_MAX_ROWS = 100_000
CHECKPOINTS_PER_PAGE = 1000


@dataclass(frozen=True)
class CaseRef:
    """A case as far as the timeline's access check needs it (the case model is intake's)."""

    __tablename__ = "cases"

    id: int
    office_id: int | None


def _criteria(form: LogFilterForm) -> queries.LogFilter:
    criteria = queries.LogFilter(
        action=(form.action.data or "").strip() or None,
        entity_type=(form.entity_type.data or "").strip() or None,
        entity_id=(form.entity_id.data or "").strip() or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        actor_kind=form.actor_kind(),
        kind=form.kind.data or None,
    )
    if form.case_text():
        # A reference (RQA-2026-000014) or a number; an unknown one matches nothing.
        found = form.case_number() or queries.case_id_by_reference(form.case_text())
        criteria.case_id = found if found is not None else -1
    actor = (form.actor.data or "").strip()
    if actor and criteria.actor_kind is None:
        # An unknown email matches nobody rather than everybody.
        found = id_from_text(actor) if actor.isdigit() else queries.user_id_by_email(actor)
        criteria.actor_id = found if found is not None else -1
    return criteria


def _filters_from_request() -> tuple[LogFilterForm, queries.LogFilter | None]:
    form = LogFilterForm(request.args)
    return form, (_criteria(form) if form.validate() else None)


def _page_args(**changes) -> dict:
    """This page's filters, for a link to its next page or its export. url_for's own
    keywords (endpoint, _external, _scheme...) and the route's path arguments (case_id)
    are no filters: passed on, they would clash with url_for's."""
    args = {key: value for key, value in request.args.items()
            if value and key != "endpoint" and not key.startswith("_")
            and key not in (request.view_args or {})}
    args.update(changes)
    return args


@dataclass(frozen=True)
class CheckpointStatus:
    """The latest signed checkpoint, and what is wrong with it if anything."""

    checkpoint: checkpoints.Checkpoint | None = None
    problem: str | None = None
    key_known: bool = False


def checkpoint_status() -> CheckpointStatus:
    try:
        latest = checkpoints.latest_checkpoint()
        if latest is None:
            return CheckpointStatus()
        checkpoint = latest[1]
        public_key = checkpoints.load_public_key()
    except checkpoints.CheckpointError as error:
        return CheckpointStatus(problem=str(error))
    if public_key is None:
        return CheckpointStatus(checkpoint)
    return CheckpointStatus(checkpoint, checkpoints.signature_problem(checkpoint, public_key),
                            key_known=True)


@requires(Action.view_audit_log)
def log():
    authorize(Action.view_audit_log)
    form, criteria = _filters_from_request()
    after = parse_after(request.args.get("after"))
    page = queries.log_page(criteria, after) if criteria else None
    listed = page.items if page else []
    verification = queries.last_verification()
    told = entries.tell_events(
        [*listed, *([verification] if verification and verification not in listed else [])])
    operations.record_access("audit.log_viewed", details={
        "filters": criteria.as_dict() if criteria else dict(request.args), "after": after,
    })
    fold = not form.show_reads.data and (criteria is None or criteria.kind != "reads")
    page_told = entries.ToldPage(told.told[:len(listed)], told.people, told.names)
    return render_template(
        "audit/log.html", form=form, page=page, entries=entries.entries(page_told, fold),
        verification=told.by_id().get(verification.id) if verification else None,
        verification_result=queries.content_of(verification).details.get("result")
        if verification else None,
        checkpoint=checkpoint_status(), names=told.names,
        more_url=url_for("audit.log", **_page_args(after=page.next_after))
        if page and page.next_after else None,
        export_url=url_for("audit.export", **_page_args(after=None, show_reads=None)),
        may_export=can(current_user, Action.export_audit_log),
    )


@requires(Action.view_audit_log)
def event(event_id: int):
    audit_event = db.get_or_404(AuditEvent, event_id)
    authorize(Action.view_audit_log, audit_event)
    operations.record_access("audit.event_viewed", audit_event)
    previous_id, next_id = queries.neighbours(audit_event.id)
    same_request = queries.request_events(audit_event)
    told = entries.tell_events([audit_event, *same_request])
    return render_template(
        "audit/event.html", event=audit_event, told=told.told[0], same_request=told.told[1:],
        content=queries.content_of(audit_event), names=told.names,
        raw=queries.raw_record(audit_event), previous_id=previous_id, next_id=next_id,
    )


@requires(Action.view_case_timeline)
def case_timeline(case_id: int):
    office_id = queries.case_office_id(case_id)
    if office_id is None and not queries.case_has_events(case_id):
        abort(404)
    authorize(Action.view_case_timeline, CaseRef(case_id, office_id))
    form = TimelineFilterForm(request.args)
    form.validate()
    after = parse_after(request.args.get("after"))
    kind = form.kind.data if form.kind.data in queries.EVENT_KINDS else None
    timeline = queries.case_timeline(case_id, after, kind=kind, actor_id=form.actor_id())
    actors = queries.case_actor_ids(case_id)
    told = entries.tell_events(timeline.items, also_name={
        (HistoryNames.CASES, case_id), *((HistoryNames.USERS, actor) for actor in actors)})
    form.who.choices = [SelectChoice("", _l("Everyone")), *sorted(
        (SelectChoice(str(actor), told.people[actor].name) for actor in actors
         if actor in told.people), key=lambda choice: choice.label.casefold())]
    operations.record_access("audit.case_timeline_viewed", None, {"after": after},
                             case_id=case_id, office_id=office_id)
    fold = not form.show_reads.data and kind != "reads"
    return render_template(
        "audit/case_timeline.html", case_id=case_id, form=form,
        reference=told.names.case(case_id), timeline=timeline,
        entries=entries.entries(told, fold), links=may_open_events(),
        more_url=url_for("audit.case_timeline", case_id=case_id,
                         **_page_args(after=timeline.next_after))
        if timeline.next_after else None,
    )


@requires(Action.export_audit_log)
def export():
    authorize(Action.export_audit_log)
    form, criteria = _filters_from_request()
    if criteria is None:
        return render_template("audit/log.html", form=form, page=None, entries=[],
                               verification=None, checkpoint=checkpoint_status(),
                               more_url=None, export_url=None, may_export=False), 400
    limit = current_app.config.get("AUDIT_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)
    upto, row_count = queries.export_bound(criteria, limit)
    # Ending the read transaction writes the export's event, in a transaction of its own,
    # before the first row leaves; if it could not be written, nothing leaves.
    with unit_of_work():
        signals.export_made.send(current_app._get_current_object(), kind="audit_log",
                                 filters={**criteria.as_dict(), "upto": upto, "limit": limit},
                                 row_count=row_count)
    if capture.unwritten_events(db.session()):
        abort(503)
    rows = (queries.export_rows(db.engine, queries.export_statement(criteria, upto, limit))
            if upto else iter([list(queries.CSV_COLUMNS)]))
    return Response(
        _csv_lines(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@dataclass
class TimelinePart:
    """What templates/audit/_timeline.html shows: entries, and where older ones are."""

    entries: list
    next_after: int | None


def timeline_for_case_page(case_id: int) -> TimelinePart | None:
    """The timeline partial's entries for a case, if the user may see them (reads folded).

    The page including it has authorized the case itself; the partial only asks the role.
    """
    if not can(current_user, Action.view_case_timeline):
        return None
    timeline = queries.case_timeline(case_id)
    return TimelinePart(entries.entries(entries.tell_events(timeline.items)),
                        timeline.next_after)


@dataclass
class RecordHistory:
    """A shared record's changes, told, newest first, with the office each person works in."""

    entries: list
    more: bool


def record_history(entity_type: str, entity_id: int | str,
                   related: tuple[str, ...] = ()) -> RecordHistory:
    """The changes of a record and of its parts (`related`: their tables) made in the same
    requests, for the page of a record every office shares (an incident's page).

    The page has authorized the record and decides who sees its history; only changes are
    listed (no reads, no refusals), with who made them and from which office.
    """
    page, parts = queries.record_history(entity_type, str(entity_id), related)
    shown = sorted([*page.items, *parts], key=lambda event: event.id, reverse=True)
    told = entries.tell_events(shown)
    return RecordHistory(entries.entries(told, fold_reads=False), page.next_after is not None)


def may_open_events() -> bool:
    return can(current_user, Action.view_audit_log)


@public
def checkpoint_list():
    """The signed checkpoints, oldest first, with the public key that checks them (JSON)."""
    after = request.args.get("after") or None
    if after is not None and not checkpoints.CHECKPOINT_STEM.fullmatch(after):
        abort(400)
    entries, more = checkpoints.listing(after, CHECKPOINTS_PER_PAGE)
    public_key = checkpoints.load_public_key()
    return jsonify({
        "algorithm": "Ed25519",
        "signed": "the canonical JSON (sorted keys, no spaces, UTF-8) of a checkpoint "
                  "without its signature",
        "public_key": checkpoints.public_key_pem(public_key) if public_key else None,
        "key_id": checkpoints.key_id(public_key) if public_key else None,
        "checkpoints": entries,
        "next": url_for("audit.checkpoint_list", after=more, _external=True) if more else None,
    })
