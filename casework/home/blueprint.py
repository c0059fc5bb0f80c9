from flask import Blueprint

from casework.home import controllers

bp = Blueprint("home", __name__)

bp.add_url_rule("/", "home", controllers.home)
bp.add_url_rule("/healthz", "healthz", controllers.healthz)
bp.add_url_rule("/language", "set_language", controllers.set_language, methods=["POST"])
