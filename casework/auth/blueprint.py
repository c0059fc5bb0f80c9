from flask import Blueprint

from casework.auth import admin_controllers, controllers

bp = Blueprint("auth", __name__)

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
bp.add_url_rule("/admin/offices", "offices", admin_controllers.offices)
bp.add_url_rule("/admin/offices/new", "office_new", admin_controllers.office_new,
                methods=["GET", "POST"])
bp.add_url_rule(
    "/admin/offices/<int:office_id>", "office_edit", admin_controllers.office_edit,
    methods=["GET", "POST"],
)
