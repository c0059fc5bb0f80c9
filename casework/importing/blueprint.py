from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation
from casework.importing import controllers

bp = Blueprint("importing", __name__)
register_navigation(NavItem(_l("Import"), "importing.upload", Action.import_cases, order=50))

# Import of cases from CSV (supervisors, into their own office)
bp.add_url_rule("/cases/import", "upload", controllers.import_upload, methods=["GET", "POST"])
bp.add_url_rule("/cases/import/template.csv", "template", controllers.import_template)
bp.add_url_rule("/cases/import/sample.csv", "sample", controllers.import_sample)
bp.add_url_rule("/cases/import/<token>", "result", controllers.import_result)
bp.add_url_rule("/cases/import/<token>/run", "confirm", controllers.import_confirm,
                methods=["POST"])
