"""Screening: questionnaires, scoring, stepped-care routing, weekly measures and the risk loop.

``init_app`` sets the package up in an app: its blueprint and commands, the risk layers'
settings, and its receivers of the core's signals (menu, home and record panels, caseload
facts and columns, reminders, follow-ups after discharge, alert sweeps, the demo, risk
language in what patients write, the text-model page, and the intake answers programmes
ranks modules by).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import config

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

#: Settings (``STEPCARE_<KEY>``).
DEFAULTS: dict[str, Any] = {
    "RISK_ACK_HOURS": 24,  # before an unacknowledged risk alert escalates to the admins
    "RISK_SECOND_ESCALATION_HOURS": 48,  # after raising: the admins are told a second time
    "MEASURE_INTERVAL_DAYS": 7,  # weekly PHQ-9 and GAD-7 in steps 2 and 3
    # PHQ-9 and GAD-7 once more after discharge (about three months), to see if recovery lasts.
    "FOLLOWUP_DAYS": 91,
    "SCREENING_WSAS_ENABLED": True,
    "NOT_ON_TRACK_WEEK": 4,  # the week of step 2 by which no improvement raises an alert
    # The risk-language layers on top of the phrase rules (the text model's "ml" extra).
    "RISK_CLASSIFIER_PATH": "",  # "" = no classifier layer
    "RISK_CLASSIFIER_THRESHOLD": 0.5,
    "RISK_SIMILARITY_THRESHOLD": 0.55,
}
config.register(DEFAULTS)


def configure_risk_layers(settings: Any) -> None:
    """Hand the app's settings to the process-wide risk layers (loads nothing)."""
    from screening import risk_model

    risk_model.configure(
        classifier_path=settings.get("RISK_CLASSIFIER_PATH") or "",
        classifier_threshold=settings["RISK_CLASSIFIER_THRESHOLD"],
        similarity_threshold=settings["RISK_SIMILARITY_THRESHOLD"],
        content_dir=settings.get("CONTENT_DIR"),
    )


def init_app(app: Flask) -> None:
    from app import signals
    from screening import (
        alerts,
        callbacks,  # noqa: F401  (its routes join the blueprint before it is registered)
        caseload,
        cli,
        content,
        demo,
        demo_followup,
        followup,
        language_alerts,
        panels,
        reminders,
        views,
    )

    configure_risk_layers(app.config)
    app.register_blueprint(views.bp)
    cli.init_app(app)
    signals.nav_entries.connect(panels.nav)
    signals.home_panels.connect(panels.home_panel)
    signals.record_panels.connect(panels.record_panel)
    signals.caseload_facts.connect(caseload.facts)
    signals.caseload_columns.connect(caseload.columns)
    signals.collect_reminders.connect(reminders.collect)
    signals.collect_reminders.connect(followup.collect_reminders)
    signals.step_assigned.connect(followup.on_step_assigned)
    signals.record_panels.connect(followup.record_panel)
    signals.alert_sweep.connect(alerts.sweep)
    signals.demo_hooks.connect(demo.hook)
    signals.demo_hooks.connect(demo_followup.hook)
    signals.patient_text_written.connect(language_alerts.on_patient_text)
    signals.text_model_panels.connect(panels.text_model_panel)
    signals.text_model_test.connect(panels.text_model_test)
    signals.intake_profile.connect(panels.intake_profile)
    signals.worker_starting.connect(language_alerts.warm_up)
    signals.content_load.connect(content.load)
