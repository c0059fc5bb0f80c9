from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.home import controllers

bp = Blueprint("home", __name__)
register_navigation(NavItem(_l("Home"), "home.home", Action.view_home, order=0, on_home=False))

bp.add_url_rule("/", "home", controllers.home)
bp.add_url_rule("/healthz", "healthz", controllers.healthz)
bp.add_url_rule("/language", "set_language", controllers.set_language, methods=["POST"])
bp.add_url_rule("/favicon.ico", "favicon", controllers.favicon)
