"""Secure messaging between a patient and their therapist.

Part of the core, wired like a domain: ``init_app`` registers the blueprint and connects
the menu entries, the home panel, the caseload's facts and its "Waiting" cell, the unread
message reminder and the demo's threads to the signals in ``app.signals``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app import signals
    from app.messaging import caseload, demo, operations, views

    app.register_blueprint(views.bp)
    signals.nav_entries.connect(caseload.nav)
    signals.home_panels.connect(caseload.home_panel)
    signals.caseload_facts.connect(caseload.facts)
    signals.caseload_columns.connect(caseload.columns)
    signals.collect_reminders.connect(operations.collect_reminders)
    signals.demo_hooks.connect(demo.hook)
