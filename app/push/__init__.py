"""Push reminders (Web Push with VAPID): the same reminders as the emails, as a generic
notification on the patient's devices, by her choice of channel (email, push or both).

Set ``STEPCARE_VAPID_PRIVATE_KEY`` (or ``_FILE``), ``STEPCARE_VAPID_PUBLIC_KEY`` and
``STEPCARE_VAPID_SUBJECT`` (mailto:) to turn it on; without them push is off and the
account page says so.
"""

from __future__ import annotations

from flask import Flask

from app import signals


def init_app(app: Flask) -> None:
    from app.push import (
        models,  # noqa: F401  (the table)
        views,
    )

    app.register_blueprint(views.bp)
    signals.account_panels.connect(views.account_panel)
