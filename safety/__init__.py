"""Safety plans after the Stanley-Brown Safety Planning Intervention.

The therapist drafts the plan with the patient; the patient reads it and adds to it; every
version is kept. ``init_app`` registers the blueprint and connects the receivers: the
patient's home panel and crisis links, the patient record, the caseload's facts and
column, screening's risk-alert page, and the demo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask


def init_app(app: Flask) -> None:
    from app import signals
    from safety import demo, panels, views

    app.register_blueprint(views.bp)
    signals.home_panels.connect(panels.home_panel)
    signals.record_panels.connect(panels.record_panel)
    signals.risk_alert_panels.connect(panels.alert_panel)
    signals.crisis_links.connect(panels.crisis_links)
    signals.caseload_facts.connect(panels.facts)
    signals.caseload_columns.connect(panels.columns)
    signals.demo_hooks.connect(demo.hook)
