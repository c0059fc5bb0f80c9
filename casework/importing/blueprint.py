from flask import Blueprint

from casework.importing import controllers

bp = Blueprint("importing", __name__)

# Import of cases from CSV (supervisors, into their own office)
bp.add_url_rule("/cases/import", "upload", controllers.import_upload, methods=["GET", "POST"])
bp.add_url_rule("/cases/import/<token>", "result", controllers.import_result)
bp.add_url_rule("/cases/import/<token>/run", "confirm", controllers.import_confirm,
                methods=["POST"])
