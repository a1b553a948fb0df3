"""Interoperability: Stepcare's records in the shapes other systems read (FHIR).

A layer above the domains, beside ``reporting``: it may import the core and every domain,
and nothing below imports it (the layers contract in pyproject.toml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import config

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

#: Settings (``STEPCARE_<KEY>``) of the referral message (interop.referral): who the clinic
#: is as the message's source, and how long a receiver has to answer.
DEFAULTS: dict[str, Any] = {
    # MessageHeader.source.endpoint (empty: <STEPCARE_BASE_URL>/fhir/R4) and .name (empty:
    # STEPCARE_CLINIC_NAME).
    "FHIR_SENDER_ENDPOINT": "",
    "FHIR_SENDER_NAME": "",
    # Seconds a receiver has to answer a POSTed message before it counts as not delivered.
    "FHIR_SEND_TIMEOUT": 10.0,
}
config.register(DEFAULTS)


def init_app(app: Flask) -> None:
    """The FHIR API's blueprint, its admin page, ``flask fhir client``, the patient's own
    export and the referral message."""
    from app import signals
    from interop import demo
    from interop.api import admin, cli, models, views  # noqa: F401  (models: the tables)
    from interop.export import views as export_views
    from interop.referral import demo as referral_demo
    from interop.referral import views as referral_views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    signals.nav_entries.connect(admin.nav_entries)
    app.register_blueprint(export_views.bp)
    signals.account_panels.connect(export_views.account_panel)
    app.cli.add_command(cli.fhir_cli)
    signals.audit_actor_names.connect(actor_names)
    signals.demo_hooks.connect(demo.hook)
    app.register_blueprint(referral_views.bp)
    signals.referral_letter_panels.connect(referral_views.letter_panel)
    signals.record_panels.connect(referral_views.record_panel)
    signals.demo_hooks.connect(referral_demo.hook)


def actor_names(sender: str, ids: set[int]) -> dict[int, str] | None:
    """The names of FHIR clients on a patient's access log (``audit_actor_names``)."""
    from app.audit.models import SYSTEM_CLIENT_ROLE
    from app.db import db
    from interop.api.models import FhirClient

    if sender != SYSTEM_CLIENT_ROLE:
        return None
    rows = db.session.execute(db.select(FhirClient.id, FhirClient.name)
                              .where(FhirClient.id.in_(ids))).all()
    return {row.id: row.name for row in rows}
