from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.eligibility import controllers, history, lifecycle
from casework.eligibility.listeners import connect_listeners

bp = Blueprint("eligibility", __name__)
register_navigation(
    NavItem(_l("Decisions"), "eligibility.decision_queue", Action.view_work_queues, order=60),
    NavItem(_l("To reconsider"), "eligibility.reconsider_queue", Action.view_work_queues,
            order=70),
    NavItem(_l("Eligibility criteria"), "eligibility.criteria",
            Action.manage_eligibility_criteria, order=100),
)
# Eligibility's rows of the case lifecycle (casework.eligibility.lifecycle).
lifecycle.register_lifecycle()
# How the audit trail tells eligibility's events (casework.eligibility.history).
history.register_history()
# New evidence and changed incident assessments feed the "to reconsider" queue.
bp.record_once(lambda state: connect_listeners())
# The case page links actions that have their own page (see intake.lifecycle.ACTION_PAGES).
bp.add_app_template_global(controllers.case_action_page, "case_action_page")
for name, helper in controllers.TEMPLATE_GLOBALS.items():
    bp.add_app_template_global(helper, name)

# The review of a case: findings per criterion, activities, recommendation
bp.add_url_rule("/cases/<int:case_id>/review", "review", controllers.review)
bp.add_url_rule("/cases/<int:case_id>/review/findings", "findings_save",
                controllers.findings_save, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/review/activities/new", "activity_new",
                controllers.activity_new, methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/recommend", "recommend", controllers.recommend,
                methods=["GET", "POST"])

# Decisions, their delivery to the family, appeals
bp.add_url_rule("/cases/<int:case_id>/decide", "decide", controllers.decide,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/decisions/<int:decision_id>/delivery",
                "decision_delivery", controllers.decision_delivery, methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/appeal", "appeal_new", controllers.appeal_new,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/appeal/decide", "appeal_decide",
                controllers.appeal_decide, methods=["GET", "POST"])

# Supervisors' queues
bp.add_url_rule("/eligibility/queue", "decision_queue", controllers.decision_queue)
bp.add_url_rule("/eligibility/reconsider", "reconsider_queue", controllers.reconsider_queue)
bp.add_url_rule("/eligibility/reconsider/<int:entry_id>/dismiss", "reconsider_dismiss",
                controllers.reconsider_dismiss, methods=["POST"])

# Criteria checklist (admins), versioned
bp.add_url_rule("/eligibility/criteria", "criteria", controllers.criteria)
bp.add_url_rule("/eligibility/criteria/versions/<int:version_id>", "criteria_version",
                controllers.criteria_version)
bp.add_url_rule("/eligibility/criteria/edit", "criteria_edit", controllers.criteria_edit,
                methods=["GET", "POST"])
