"""Sending a push reminder: encrypted (RFC 8291, aes128gcm), signed with VAPID (RFC 8292).

The payload says nothing about health: a generic title and body in the patient's language
and a URL in this site to open. A subscription the push service no longer knows (404 or
410) is removed; any other failure is logged and the subscription kept.
"""

from __future__ import annotations

import json
from functools import lru_cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from app.accounts.models import User
from app.db import db, utcnow
from app.push.models import PushSubscription

GONE = {404, 410}
TIMEOUT_SECONDS = 10
TTL_SECONDS = 24 * 3600  # a reminder a day late is still worth showing


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY")
                and config.get("VAPID_SUBJECT"))


@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid:
    if "BEGIN" in private_key:
        return Vapid.from_pem(private_key.encode())
    return Vapid.from_string(private_key)


def payload(user: User) -> str:
    """The only text a push carries: generic, in the patient's language."""
    with force_locale(user.language):
        return json.dumps({
            "title": "Stepcare",
            "body": _("There is something new for you in Stepcare"),
            "url": "/",
        }, ensure_ascii=False)


def _info(subscription: PushSubscription) -> dict:
    return {"endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}


def send_one(subscription: PushSubscription, data: str) -> bool:
    """Deliver to one device; True on success. A gone subscription is deleted (flushed)."""
    config = current_app.config
    try:
        webpush(_info(subscription), data=data,
                vapid_private_key=_vapid(config["VAPID_PRIVATE_KEY"]),
                vapid_claims={"sub": config["VAPID_SUBJECT"]},
                timeout=TIMEOUT_SECONDS, ttl=TTL_SECONDS)
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in GONE:
            db.session.delete(subscription)
            db.session.flush()
        else:
            current_app.logger.warning("push to subscription %s failed: %s",
                                       subscription.id, status or exc)
        return False
    except Exception as exc:  # noqa: BLE001 - a network error must not stop the other devices
        current_app.logger.warning("push to subscription %s failed: %s", subscription.id, exc)
        return False
    subscription.last_success_at = utcnow()
    db.session.flush()
    return True


def send_to(user: User) -> int:
    """Push the generic reminder to each of the user's devices; how many took it."""
    if not enabled():
        return 0
    subscriptions = db.session.execute(
        db.select(PushSubscription).where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.id)
    ).scalars().all()
    data = payload(user)
    return sum(send_one(subscription, data) for subscription in subscriptions)
