"""Duplicate claims: candidates by blocking and scoring, supervisors' decisions, caseworkers'
flags for a supervisor, victims."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.duplicates import controllers, history, lifecycle

bp = Blueprint("duplicates", __name__)
# Duplicates's rows of the case lifecycle (casework.duplicates.lifecycle).
lifecycle.register_lifecycle()
# How the audit trail tells duplicates' events (casework.duplicates.history).
history.register_history()
register_navigation(NavItem(_l("Flagged duplicates"), "duplicates.flagged",
                            Action.view_work_queues, order=75))

bp.add_url_rule("/cases/<int:case_id>/duplicates", "case_duplicates", controllers.case_duplicates)
bp.add_url_rule("/cases/<int:case_id>/duplicates/<int:other_id>/decide", "decide",
                controllers.decide, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/duplicates/<int:other_id>/flag", "flag",
                controllers.flag, methods=["POST"])
bp.add_url_rule("/duplicates/flagged", "flagged", controllers.flagged)
