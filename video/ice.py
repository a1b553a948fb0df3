"""The ICE servers a page gets: STUN for everyone, TURN credentials only where allowed.

Settings are parsed here once per call from the app's config; ``video.turn`` makes the
credentials. Used by the call page, the call API and the pre-call test.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_login import current_user

from app.audit.models import Action
from app.audit.operations import record
from app.db import utcnow
from video import access, turn


def ice_config(config=None) -> dict:
    config = config if config is not None else current_app.config
    return {
        "stun_urls": split(config["STUN_URLS"]),
        "turn_urls": split(config["TURN_URLS"]),
        "turn_secret": config["TURN_SECRET"],
        "turn_ttl": config["TURN_TTL"],
    }


def split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def turn_ref(*parts: object) -> str:
    """An opaque, stable TURN username part: coturn logs it, so it must name nobody."""
    key = current_app.config["SECRET_KEY"].encode()
    message = ":".join(str(p) for p in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def ice_servers_for(*parts: object) -> list[dict]:
    return turn.ice_servers(ice_config(), turn_ref(*parts))


def precall_ice_servers() -> list[dict]:
    """STUN for everyone; TURN only for staff and for a patient whose appointment is within
    a day (audited as the issue of that appointment's credentials)."""
    config = ice_config()
    if current_user.is_patient and config["turn_urls"]:
        appointment = access.relay_appointment(current_user, utcnow())
        if appointment is None:
            config = {**config, "turn_urls": []}
        else:
            record(Action.READ, "video_ice_servers", appointment.id,
                   patient_id=appointment.patient_id)
    return turn.ice_servers(config, turn_ref("echo", current_user.id))
