"""Reporting: the clinic's outcomes (NHS Talking Therapies measures) and the research export.

Above the domains: it reads screening's questionnaires and the core's steps of care, and
no domain imports it. ``init_app`` registers the admin's *Outcomes* page, its menu entry
and ``flask research-export``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from app.signals import NavEntry

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

    from app.accounts.models import User


def nav(user: User) -> list[NavEntry]:
    return [NavEntry(40, _l("Outcomes"), "reports.outcomes_report")] if user.is_admin else []


def init_app(app: Flask) -> None:
    from app import signals
    from reporting import views

    app.register_blueprint(views.bp)
    signals.nav_entries.connect(nav)
