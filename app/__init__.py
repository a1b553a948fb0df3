"""Stepcare: an open-source stepped-care platform for digital mental health.

``create_app`` builds the Flask application: the core's extensions and blueprints, then
every package in :data:`PACKAGES`, each set up by the ``init_app`` in its ``__init__.py``.
The core imports no package by name in code: the list below is the one place that names
them, and adding a domain means adding it here.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask

from app import config as config_module
from app.config import ConfigError

__all__ = ["PACKAGES", "ConfigError", "create_app"]

PACKAGE_DIR = Path(__file__).resolve().parent

#: The packages an app is made of, after the core: the optional text model, the domains,
#: and reporting above them. Each has ``init_app(app)`` in its ``__init__.py``.
PACKAGES: tuple[str, ...] = (
    "textmodel", "screening", "programmes", "video", "safety", "reporting", "interop")


def create_app(
    test_config: dict[str, Any] | None = None, packages: Sequence[str] = PACKAGES
) -> Flask:
    """The app, with ``packages`` set up on top of the core (tests may add their own)."""
    # Imported first: a package adds its settings' defaults when it is imported.
    modules = [importlib.import_module(name) for name in packages]
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

    _trust_proxies(app)
    _init_extensions(app)
    _init_core(app)
    _init_packages(app, modules)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind N proxies, take the client's address and scheme from their headers.

    Without this the limiter and the audit see only the proxy's address; trusting more
    hops than there are would let a client forge its address, so the default is none.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def _init_extensions(app: Flask) -> None:
    from app import errors, form_messages, i18n, limits, security, templating
    from app.accounts import sessions
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    limits.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    form_messages.install()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.user_loader(sessions.load_user)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)


def _init_core(app: Flask) -> None:
    from app import cli, demo, messaging, notify, openapi, push, pwa, reminders, views
    from app.accounts import (
        admin_views,  # noqa: F401  (imported for its routes on accounts' blueprint)
        contact,
        drafts,
        email_change_views,  # noqa: F401  (imported for its routes on accounts' blueprint)
        oidc_views,  # noqa: F401  (imported for its routes on accounts' blueprint)
        recovery_views,  # noqa: F401  (imported for its routes on accounts' blueprint)
    )
    from app.accounts import views as accounts_views
    from app.audit import views as audit_views
    from app.caseload import alerts, tracking
    from app.caseload import views as caseload_views
    from app.content import cli as content_cli
    from app.erasure import views as erasure_views

    for blueprint in (views.bp, accounts_views.bp, caseload_views.bp, audit_views.bp):
        app.register_blueprint(blueprint)
    messaging.init_app(app)
    cli.init_app(app)
    content_cli.init_app(app)
    alerts.init_app(app)
    tracking.init_app(app)
    demo.init_app(app)
    reminders.init_app(app)
    contact.init_app(app)
    drafts.init_app(app)
    notify.init_app(app)
    openapi.init_app(app)
    erasure_views.init_app(app)
    pwa.init_app(app)
    push.init_app(app)


def _init_packages(app: Flask, modules: list[ModuleType]) -> None:
    """Each package registers its blueprint, commands, settings and signal receivers."""
    from app import content, signals

    signals.use_packages(app, [module.__name__ for module in modules])
    for module in modules:
        module.init_app(app)
    # After every package connected its content receiver: read and check all content.
    content.init_app(app)
