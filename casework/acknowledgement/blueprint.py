from flask import Blueprint

from casework.acknowledgement import controllers, history, lifecycle

bp = Blueprint("acknowledgement", __name__)
# Acknowledgement's rows of the case lifecycle (casework.acknowledgement.lifecycle).
lifecycle.register_lifecycle()
# How the audit trail tells acknowledgement's events (casework.acknowledgement.history).
history.register_history()

# The acknowledgement of a case: recorded, corrected until delivered, read.
bp.add_url_rule("/cases/<int:case_id>/acknowledgements/new", "new", controllers.new,
                methods=["GET", "POST"])
bp.add_url_rule("/acknowledgements/<int:acknowledgement_id>", "page", controllers.page)
bp.add_url_rule("/acknowledgements/<int:acknowledgement_id>/edit", "edit", controllers.edit,
                methods=["GET", "POST"])
# Its delivery to the family (an eligible case becomes acknowledged), and their responses.
bp.add_url_rule("/acknowledgements/<int:acknowledgement_id>/delivery", "delivery",
                controllers.delivery, methods=["GET", "POST"])
bp.add_url_rule("/acknowledgements/<int:acknowledgement_id>/responses/new", "response_new",
                controllers.response_new, methods=["GET", "POST"])
