"""Video consultations: appointments, the waiting room, peer-to-peer calls, the pre-call test.

``init_app`` sets the package up in an app: its blueprint, its command, its settings'
check, and its receivers of the core's signals (the patient's home panel, the caseload's
"today" panel, the appointment reminder and the demo). The pure cores (``room``,
``turn``, ``sdp``, ``ics``) import nothing from Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import config

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

#: Settings (``STEPCARE_<KEY>``; ``TURN_SECRET`` also from ``STEPCARE_TURN_SECRET_FILE``).
DEFAULTS: dict[str, Any] = {
    # ICE servers for WebRTC (comma-separated URLs) and coturn's REST secret.
    "STUN_URLS": "",
    "TURN_URLS": "",
    "TURN_SECRET": None,
    "TURN_TTL": 3600,
    # The addresses the server-side peer of the pre-call test gathers on (aioice's host
    # addresses; empty: every interface).
    "VIDEO_HOST_ADDRESSES": "",
    # CIDR ranges (comma-separated) that calls' media must stay within: ICE candidates
    # outside them are not passed on (empty: no restriction). A region's network, say;
    # the tests keep media on the machine with 127.0.0.0/8.
    "VIDEO_MEDIA_NETWORKS": "",
    "VIDEO_ECHO_MAX_SESSIONS": 8,
    # Pre-call tests one user may start (Flask-Limiter syntax); each holds a server peer.
    "VIDEO_ECHO_LIMIT": "10 per 10 minutes",
    # In production the echo drops offered candidates on loopback, link-local, private,
    # shared and multicast addresses; these CIDR ranges (comma-separated) are let through.
    "VIDEO_ECHO_ALLOWED_NETWORKS": "",
}
config.register(DEFAULTS, secret_keys=("TURN_SECRET",))


def _check_config(app: Flask) -> None:
    """Refuse to start with ICE settings that would fail at the first call."""
    from video import sdp, turn
    from video.ice import ice_config

    settings = ice_config(app.config)
    if settings["turn_urls"] and not settings["turn_secret"]:
        raise config.ConfigError(
            "STEPCARE_TURN_URLS is set but STEPCARE_TURN_SECRET is not: coturn's REST "
            "credentials need the shared secret (static-auth-secret).")
    for key in ("VIDEO_ECHO_ALLOWED_NETWORKS", "VIDEO_MEDIA_NETWORKS"):
        try:
            sdp.parse_networks(app.config[key])
        except ValueError as exc:
            raise config.ConfigError(f"STEPCARE_{key}: {exc}") from None
    if settings["turn_ttl"] <= 0:
        raise config.ConfigError("STEPCARE_TURN_TTL must be a positive number of seconds.")
    try:
        turn.ice_servers(settings, "config-check")
    except ValueError as exc:
        raise config.ConfigError(
            f"Video ICE servers (STEPCARE_STUN_URLS, STEPCARE_TURN_URLS): {exc}") from None


def init_app(app: Flask) -> None:
    from app import signals
    from app.db import db
    from video import api, cli, demo, ice, media, notify, panels, reminders, views
    from video.blueprint import bp

    _check_config(app)
    # The pages (views) and the call API (api) add their routes to the one blueprint as
    # they are imported, so both must be imported before it is registered.
    assert bp.deferred_functions and views and api
    app.register_blueprint(bp)
    cli.init_app(app)
    notify.install(db.session)
    media.use_host_addresses(ice.split(app.config["VIDEO_HOST_ADDRESSES"]))
    app.context_processor(panels.template_helpers)
    signals.nav_entries.connect(panels.nav)
    signals.home_panels.connect(panels.home_panel)
    signals.caseload_today.connect(panels.today_panel)
    signals.collect_reminders.connect(reminders.collect)
    signals.demo_hooks.connect(demo.hook)
