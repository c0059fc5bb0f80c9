from flask import Blueprint

from casework.core import controllers

bp = Blueprint("core", __name__)

bp.add_url_rule("/", "home", controllers.home)
bp.add_url_rule("/healthz", "healthz", controllers.healthz)
bp.add_url_rule("/language", "set_language", controllers.set_language, methods=["POST"])
bp.add_url_rule("/admin/offices", "offices", controllers.offices)
bp.add_url_rule("/admin/offices/new", "office_new", controllers.office_new, methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/offices/<int:office_id>", "office_edit", controllers.office_edit,
    methods=["GET", "POST"],
)
