"""Stepcare: an open-source stepped-care platform for digital mental health.

``create_app`` builds the Flask application; extensions are bound with
``init_app`` and each domain registers its own blueprint.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as config_module
from app.config import ConfigError

__all__ = ["ConfigError", "create_app"]

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "STEPCARE_INSTANCE_PATH"
    )
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    settings = config_module.from_environment()
    if test_config:
        settings.update({k: v for k, v in test_config.items() if k in settings})
    app.config.from_mapping(config_module.flask_config(settings, app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_domains(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import errors, i18n, security, templating
    from app.accounts import sessions
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.user_loader(sessions.load_user)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app import reports, textmodel_views, views
    from app.accounts import views as accounts_views
    from app.audit import views as audit_views
    from app.caseload import views as caseload_views
    from app.messaging import views as messaging_views

    for blueprint in (
        views.bp,
        accounts_views.bp,
        caseload_views.bp,
        audit_views.bp,
        textmodel_views.bp,  # also passes the text-model settings on (loads nothing)
        reports.bp,
    ):
        app.register_blueprint(blueprint)
    messaging_views.init_app(app)


def _register_domains(app: Flask) -> None:
    """Each domain package registers its blueprint, commands and signal receivers."""
    from programmes import views as programmes_views
    from screening import views as screening_views

    # Order matters for the demo: programmes adds progress after screening has enrolled.
    screening_views.init_app(app)
    programmes_views.init_app(app)

    from video import views as video_views

    video_views.init_app(app)


def _register_cli(app: Flask) -> None:
    from app import cli, demo, reminders
    from app.caseload import alerts

    cli.init_app(app)
    alerts.init_app(app)
    demo.init_app(app)
    reminders.init_app(app)
