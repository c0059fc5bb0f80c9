"""Casework: reparations and compensation case management."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user
from flask_migrate.cli import db as migrate_cli
from werkzeug.middleware.proxy_fix import ProxyFix

from casework.acknowledgement.blueprint import bp as acknowledgement_bp
from casework.audit.blueprint import bp as audit_bp
from casework.audit.checkpoints import install_checkpoint_schedule
from casework.audit.cli import audit_cli
from casework.audit.listeners import install_audit_trail
from casework.auth.blueprint import bp as auth_bp
from casework.auth.cli import offices_cli, users_cli
from casework.auth.sessions import enforce_session_timeouts, load_user
from casework.compensation.blueprint import bp as compensation_bp
from casework.config import default_settings, finalise, from_environment
from casework.core import database  # noqa: F401  (engine settings per dialect)
from casework.core.authz import Action, can, enforce_route_access, sees_every_office
from casework.core.bidi import isolate
from casework.core.dates import DATE_FILTERS
from casework.core.i18n import (
    LANGUAGE_NAMES,
    join_list,
    list_separator,
    role_label,
    select_locale,
    supported,
    text_direction,
)
from casework.core.ids import URL_CONVERTERS
from casework.core.jobs import jobs_cli
from casework.core.navigation import home_entries, navigation_for
from casework.core.transaction import request_transaction
from casework.core.web import (
    add_security_headers,
    assign_request_id,
    refuse_null_characters,
    register_error_handlers,
)
from casework.demo.cli import demo_cli
from casework.duplicates.blueprint import bp as duplicates_bp
from casework.eligibility.blueprint import bp as eligibility_bp
from casework.evidence.blueprint import bp as evidence_bp
from casework.extensions import babel, csrf, db, limiter, login_manager, migrate
from casework.home.blueprint import bp as home_bp
from casework.importing.blueprint import bp as importing_bp
from casework.importing.cli import import_cli
from casework.intake.blueprint import bp as intake_bp
from casework.maintenance.cli import backup_cli, roles_command
from casework.referrals.blueprint import bp as referrals_bp
from casework.search.blueprint import bp as search_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults < instance/config.py < environment < test_config."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("CASEWORK_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    # Before any rule is added: an id in a URL larger than any record's is a 404.
    app.url_map.converters.update(URL_CONVERTERS)
    app.config.from_mapping(default_settings(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    finalise(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    _init_extensions(app)
    install_audit_trail()
    install_checkpoint_schedule(app)
    _register_request_hooks(app)
    for blueprint in (home_bp, auth_bp, intake_bp, evidence_bp, importing_bp, audit_bp, search_bp,
                      duplicates_bp, eligibility_bp, acknowledgement_bp, compensation_bp, referrals_bp):
        app.register_blueprint(blueprint)
    # One transaction per request, committed in one place (casework.core.transaction).
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            app.view_functions[endpoint] = request_transaction(view)
    for group in (offices_cli, users_cli, demo_cli, audit_cli, import_cli, jobs_cli, backup_cli):
        app.cli.add_command(group)
    # `flask db roles`: the database roles, beside the migrations (Flask-Migrate's group).
    migrate_cli.add_command(roles_command)
    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are bound by the per-user token instead


def _register_request_hooks(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.before_request(enforce_session_timeouts)
    app.before_request(enforce_route_access)
    app.before_request(refuse_null_characters)
    app.after_request(add_security_headers)

    # Templates ask the authorization table, never compare role names.
    app.jinja_env.globals.update(can=can, Action=Action, sees_every_office=sees_every_office)
    # Role names and list punctuation in the reader's language (core/i18n.py).
    app.jinja_env.globals.update(role_label=role_label, list_separator=list_separator)
    app.jinja_env.filters["join_list"] = join_list
    # Days and moments in the office's time zone, one format (core/dates.py); values of the
    # other direction isolated inside a sentence (core/bidi.py).
    app.jinja_env.filters.update(DATE_FILTERS, bdi=isolate)

    @app.context_processor
    def layout_context() -> dict:
        locale = str(get_locale())
        return {
            "locale": locale,
            "text_direction": text_direction(locale),
            "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in supported()],
            "navigation": navigation_for(current_user),
            "home_entries": home_entries(current_user),
        }
