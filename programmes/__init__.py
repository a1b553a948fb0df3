"""Online programmes: self-help and guided CBT modules, exercises, homework and the mood diary.

``init_app`` sets the package up in an app: its blueprint and content commands, and its
receivers of the core's signals (menu, home and record panels, caseload facts and
columns, enrolment when a step is assigned, reminders, inactivity alerts, the demo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import config

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

#: Settings (``STEPCARE_<KEY>``).
DEFAULTS: dict[str, Any] = {
    "INACTIVITY_REMINDER_DAYS": 7,  # a step 2 patient's nudge after a quiet week
}
config.register(DEFAULTS)


def init_app(app: Flask) -> None:
    from app import signals
    from programmes import (
        alerts,
        caseload,
        cli,
        content_part,
        demo,
        panels,
        reminders,
        views,
        vr_therapist,  # noqa: F401 - its routes join views.bp
        vr_views,  # noqa: F401 - its routes join views.bp
    )

    app.register_blueprint(views.bp)
    cli.init_app(app)
    signals.nav_entries.connect(panels.nav)
    signals.home_panels.connect(panels.home_panel)
    signals.record_panels.connect(panels.record_panel)
    signals.record_panels.connect(panels.vr_panel)
    signals.step_assigned.connect(panels.on_step_assigned)
    signals.caseload_facts.connect(caseload.facts)
    signals.caseload_columns.connect(caseload.columns)
    signals.collect_reminders.connect(reminders.collect)
    signals.alert_sweep.connect(alerts.sweep)
    signals.demo_hooks.connect(demo.hook)
    signals.content_load.connect(content_part.load)
