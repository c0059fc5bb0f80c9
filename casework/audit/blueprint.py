from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.audit import controllers, queries
from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation

bp = Blueprint("audit", __name__)
register_navigation(NavItem(_l("Audit log"), "audit.log", Action.view_audit_log, order=110))

bp.add_url_rule("/audit", "log", controllers.log)
bp.add_url_rule("/audit/events/<int:event_id>", "event", controllers.event)
bp.add_url_rule("/audit/cases/<int:case_id>", "case_timeline", controllers.case_timeline)
bp.add_url_rule("/audit/export.csv", "export", controllers.export)

# For templates/audit/_timeline.html, which the case page includes.
bp.add_app_template_global(controllers.timeline_for_case_page, "audit_case_timeline")
bp.add_app_template_global(controllers.may_open_events, "audit_may_open_events")
bp.add_app_template_filter(queries.content_of, "audit_content")
