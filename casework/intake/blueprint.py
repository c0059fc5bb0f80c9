from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.intake import history
from casework.intake.controllers import cases, household, incidents
from casework.intake.controllers.common import TEMPLATE_HELPERS

bp = Blueprint("intake", __name__)
register_navigation(
    NavItem(_l("Cases"), "intake.cases", Action.view_case, order=10),
    NavItem(_l("New case"), "intake.case_new", Action.create_case, order=30),
    NavItem(_l("Incidents"), "intake.incidents", Action.view_incident, order=40),
)

# How the audit trail tells intake's events (casework.intake.history).
history.register_history()

# The case's labels (stage, harm, priority...), for every domain's templates.
for name, helper in TEMPLATE_HELPERS.items():
    bp.add_app_template_global(helper, name)

# Cases
bp.add_url_rule("/cases", "cases", cases.cases)
bp.add_url_rule("/cases/new", "case_new", cases.case_new, methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>", "case_page", cases.case_page)
bp.add_url_rule("/cases/<int:case_id>/edit", "case_edit", cases.case_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/assign", "case_assign", cases.case_assign,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/actions/<action>", "case_transition",
                cases.case_transition, methods=["POST"])

# Household members and losses
bp.add_url_rule("/cases/<int:case_id>/persons/new", "person_new", household.person_new,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/persons/<int:person_id>", "person_edit",
                household.person_edit, methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/persons/<int:person_id>/remove", "person_remove",
                household.person_remove, methods=["POST"])
bp.add_url_rule("/cases/<int:case_id>/losses/new", "loss_new", household.loss_new,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/losses/<int:loss_id>", "loss_edit", household.loss_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/cases/<int:case_id>/losses/<int:loss_id>/remove", "loss_remove",
                household.loss_remove, methods=["POST"])

# Incidents
bp.add_url_rule("/incidents", "incidents", incidents.incidents)
bp.add_url_rule("/incidents/new", "incident_new", incidents.incident_new,
                methods=["GET", "POST"])
bp.add_url_rule("/incidents/<int:incident_id>", "incident_page", incidents.incident_page)
bp.add_url_rule("/incidents/<int:incident_id>/edit", "incident_edit", incidents.incident_edit,
                methods=["GET", "POST"])
bp.add_url_rule("/incidents/<int:incident_id>/parties", "party_add", incidents.party_add,
                methods=["POST"])
bp.add_url_rule("/incidents/<int:incident_id>/parties/<int:party_id>/remove", "party_remove",
                incidents.party_remove, methods=["POST"])
bp.add_url_rule("/incidents/<int:incident_id>/references", "reference_add",
                incidents.reference_add, methods=["POST"])
bp.add_url_rule("/incidents/<int:incident_id>/references/<int:reference_id>/remove",
                "reference_remove", incidents.reference_remove, methods=["POST"])
bp.add_url_rule("/incidents/<int:incident_id>/assessments", "assessment_add",
                incidents.assessment_add, methods=["POST"])
