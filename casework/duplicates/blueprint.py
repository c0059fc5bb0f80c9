from flask import Blueprint

from casework.duplicates import controllers

bp = Blueprint("duplicates", __name__)

bp.add_url_rule("/cases/<int:case_id>/duplicates", "case_duplicates", controllers.case_duplicates)
bp.add_url_rule("/cases/<int:case_id>/duplicates/<int:other_id>/decide", "decide",
                controllers.decide, methods=["POST"])
