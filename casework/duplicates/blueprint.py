from flask import Blueprint

from casework.duplicates import controllers, lifecycle

bp = Blueprint("duplicates", __name__)
# Duplicates's rows of the case lifecycle (casework.duplicates.lifecycle).
lifecycle.register_lifecycle()

bp.add_url_rule("/cases/<int:case_id>/duplicates", "case_duplicates", controllers.case_duplicates)
bp.add_url_rule("/cases/<int:case_id>/duplicates/<int:other_id>/decide", "decide",
                controllers.decide, methods=["POST"])
