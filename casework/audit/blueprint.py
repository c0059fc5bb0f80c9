from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.audit import controllers, history
from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation

bp = Blueprint("audit", __name__)
# The sentences of the trail's own events (casework.audit.history).
history.register_history()
register_navigation(NavItem(_l("Audit log"), "audit.log", Action.view_audit_log, order=110))

bp.add_url_rule("/audit", "log", controllers.log)
bp.add_url_rule("/audit/events/<bigint:event_id>", "event", controllers.event)
bp.add_url_rule("/audit/cases/<int:case_id>", "case_timeline", controllers.case_timeline)
bp.add_url_rule("/audit/export.csv", "export", controllers.export)
# Public, like /healthz: signed heads for outside witnesses (casework.audit.checkpoints).
bp.add_url_rule("/audit/checkpoints", "checkpoint_list", controllers.checkpoint_list)

# For templates/audit/_timeline.html, which a case's pages may include.
bp.add_app_template_global(controllers.timeline_for_case_page, "audit_case_timeline")
bp.add_app_template_global(controllers.may_open_events, "audit_may_open_events")
# For the pages of records every office shares (an incident): their changes, told.
bp.add_app_template_global(controllers.record_history, "audit_record_history")
