"""The accounts' URLs: login and two-step login, logout, one's own password; users (and
their resets) and offices for admins."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from casework.auth import admin_controllers, controllers, history
from casework.auth.sessions import enforce_password_change
from casework.core.authz import Action
from casework.core.navigation import NavItem, register_navigation

bp = Blueprint("auth", __name__)
# How the audit trail tells accounts' events (casework.auth.history).
history.register_history()
# After the session and route checks (registered by the app factory before any blueprint):
# a user whose password an admin reset may only set a new one or log out.
bp.before_app_request(enforce_password_change)
register_navigation(
    NavItem(_l("Offices"), "auth.offices", Action.manage_offices, order=80),
    NavItem(_l("Users"), "auth.users", Action.manage_users, order=90),
)

bp.add_url_rule("/login", "login", controllers.login, methods=["GET", "POST"])
bp.add_url_rule("/login/totp", "totp", controllers.totp_verify, methods=["GET", "POST"])
bp.add_url_rule("/login/totp/enrol", "totp_enrol", controllers.totp_enrol, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", controllers.logout, methods=["POST"])
bp.add_url_rule(
    "/account/password", "change_password", controllers.change_password, methods=["GET", "POST"]
)
bp.add_url_rule("/admin/users", "users", admin_controllers.users)
bp.add_url_rule("/admin/users/new", "user_new", admin_controllers.user_new, methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/users/<int:user_id>", "user_edit", admin_controllers.user_edit,
    methods=["GET", "POST"],
)
bp.add_url_rule("/admin/users/<int:user_id>/password-reset", "user_password_reset",
                admin_controllers.user_password_reset, methods=["GET", "POST"])
bp.add_url_rule("/admin/users/<int:user_id>/totp-reset", "user_totp_reset",
                admin_controllers.user_totp_reset, methods=["GET", "POST"])
bp.add_url_rule("/admin/offices", "offices", admin_controllers.offices)
bp.add_url_rule("/admin/offices/new", "office_new", admin_controllers.office_new,
                methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/offices/<int:office_id>", "office_edit", admin_controllers.office_edit,
    methods=["GET", "POST"],
)
