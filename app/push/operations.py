"""Writes for push reminders: subscribe a device, remove one, choose the channel."""

from __future__ import annotations

import re

from app.accounts.models import User
from app.db import db, utcnow
from app.push.models import CHANNELS, PushSubscription

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """'Firefox on Android': enough to tell one's devices apart, nothing more."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if re.search(re.escape(mark), user_agent)),
                  None)
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or "?"


def subscribe(user: User, endpoint: str, p256dh: str, auth: str,
              user_agent: str) -> PushSubscription:
    """One subscription per device: the same endpoint again replaces its keys and owner
    (a shared browser reminds whoever signed up on it last)."""
    found = db.session.execute(
        db.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).scalar_one_or_none()
    if found is None:
        found = PushSubscription(endpoint=endpoint, created_at=utcnow())
        db.session.add(found)
    found.user_id = user.id
    found.p256dh = p256dh
    found.auth = auth
    found.device = device_label(user_agent)[:80]
    db.session.flush()
    return found


def subscriptions_of(user: User) -> list[PushSubscription]:
    return list(db.session.execute(
        db.select(PushSubscription).where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).scalars())


def own_subscription(user: User, subscription_id: int) -> PushSubscription | None:
    return db.session.execute(
        db.select(PushSubscription).where(PushSubscription.id == subscription_id,
                                          PushSubscription.user_id == user.id)
    ).scalar_one_or_none()


def remove(subscription: PushSubscription) -> None:
    db.session.delete(subscription)
    db.session.flush()


def set_channel(user: User, channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(channel)
    user.reminder_channel = channel
    db.session.flush()
