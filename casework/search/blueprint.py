from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.search import controllers

bp = Blueprint("search", __name__)
register_navigation(NavItem(_l("Search"), "search.search", Action.search_cases, order=20))

bp.add_url_rule("/search", "search", controllers.search)
