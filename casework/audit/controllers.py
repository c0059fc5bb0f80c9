"""Auditors' pages: the log, one event, a case's timeline, the CSV export.

Every page here is a read, and every read is itself recorded. Nothing here (or
anywhere in the app) edits or deletes an event.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from casework.audit import capture, operations, queries
from casework.audit.forms import LogFilterForm
from casework.audit.models import AuditEvent
from casework.core import signals
from casework.core.authz import Action, authorize, can, requires
from casework.core.pagination import parse_after
from casework.core.transaction import unit_of_work
from casework.extensions import db

EXPORT_MAX_ROWS = 100_000


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
        case_id=form.case_id.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        actor_kind=form.actor_kind(),
    )
    actor = (form.actor.data or "").strip()
    if actor and criteria.actor_kind is None:
        # An unknown email matches nobody rather than everybody.
        found = int(actor) if actor.isdigit() else queries.user_id_by_email(actor)
        criteria.actor_id = found if found is not None else -1
    return criteria


def _filters_from_request() -> tuple[LogFilterForm, queries.LogFilter | None]:
    form = LogFilterForm(request.args)
    return form, (_criteria(form) if form.validate() else None)


def _page_args(**changes) -> dict:
    args = {key: value for key, value in request.args.items() if value}
    args.update(changes)
    return args


@requires(Action.view_audit_log)
def log():
    authorize(Action.view_audit_log)
    form, criteria = _filters_from_request()
    after = parse_after(request.args.get("after"))
    page = queries.log_page(criteria, after) if criteria else None
    operations.record_access("audit.log_viewed", details={
        "filters": criteria.as_dict() if criteria else dict(request.args), "after": after,
    })
    return render_template(
        "audit/log.html", form=form, page=page,
        emails=queries.actor_emails(page.items) if page else {},
        more_url=url_for("audit.log", **_page_args(after=page.next_after))
        if page and page.next_after else None,
        export_url=url_for("audit.export", **_page_args(after=None)),
        may_export=can(current_user, Action.export_audit_log),
    )


@requires(Action.view_audit_log)
def event(event_id: int):
    audit_event = db.get_or_404(AuditEvent, event_id)
    authorize(Action.view_audit_log, audit_event)
    operations.record_access("audit.event_viewed", audit_event)
    previous_id, next_id = queries.neighbours(audit_event.id)
    return render_template(
        "audit/event.html", event=audit_event, content=queries.content_of(audit_event),
        emails=queries.actor_emails([audit_event]), previous_id=previous_id, next_id=next_id,
    )


@requires(Action.view_case_timeline)
def case_timeline(case_id: int):
    office_id = queries.case_office_id(case_id)
    if office_id is None and not queries.case_has_events(case_id):
        abort(404)
    authorize(Action.view_case_timeline, CaseRef(case_id, office_id))
    after = parse_after(request.args.get("after"))
    timeline = queries.case_timeline(case_id, after)
    operations.record_access("audit.case_timeline_viewed", None, {"after": after},
                             case_id=case_id, office_id=office_id)
    return render_template(
        "audit/case_timeline.html", case_id=case_id, timeline=timeline,
        emails=queries.actor_emails(timeline.items),
        more_url=url_for("audit.case_timeline", case_id=case_id, after=timeline.next_after)
        if timeline.next_after else None,
    )


@requires(Action.export_audit_log)
def export():
    authorize(Action.export_audit_log)
    form, criteria = _filters_from_request()
    if criteria is None:
        return render_template("audit/log.html", form=form, page=None, emails={},
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


def timeline_for_case_page(case_id: int):
    """The case page's timeline partial: the case's events, if the user may see them.

    The case page has authorized the case itself; the partial only asks the role.
    """
    if not can(current_user, Action.view_case_timeline):
        return None
    return queries.case_timeline(case_id)


def may_open_events() -> bool:
    return can(current_user, Action.view_audit_log)
