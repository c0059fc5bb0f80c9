from flask import Blueprint

from casework.evidence import controllers, history

bp = Blueprint("evidence", __name__)
# How the audit trail tells evidence's events (casework.evidence.history).
history.register_history()

# Evidence: uploaded, downloaded through this route only, withdrawn (never deleted)
bp.add_url_rule("/cases/<int:case_id>/evidence/new", "upload", controllers.upload,
                methods=["GET", "POST"])
bp.add_url_rule("/evidence/<int:evidence_id>/download", "download", controllers.download)
bp.add_url_rule("/evidence/<int:evidence_id>/withdraw", "withdraw", controllers.withdraw,
                methods=["GET", "POST"])
