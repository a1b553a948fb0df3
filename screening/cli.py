"""``flask --app app escalate-alerts``: run from cron, e.g. every 15 minutes."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app import notify
from app.db import db
from screening.operations import escalate_overdue


@click.command("escalate-alerts")
@with_appcontext
def escalate_alerts_command() -> None:
    """Retry failed alert notifications; escalate overdue risk alerts to the admins."""
    # Retried first, so a notification that fails again below is not tried twice a run.
    sent, failing = notify.retry_failed()
    escalated = escalate_overdue()
    db.session.commit()
    click.echo(f"Escalated {len(escalated)} overdue risk alert(s) to the administrators.")
    click.echo(f"Retried notifications: {sent} sent, {failing} still failing.")


def init_app(app: Flask) -> None:
    app.cli.add_command(escalate_alerts_command)
