"""The account page's push reminders: subscribing a device (checked strictly), the list of
devices, removing one, the channel, and a server without VAPID keys."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.accounts.models import User
from app.db import db
from app.push.models import PushSubscription
from tests.helpers import csrf_token, parsed, sign_in

ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc123") -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": b64url(key), "auth": b64url(os.urandom(16))}}


@pytest.fixture
def push_on(app):
    app.config.update(VAPID_PRIVATE_KEY="configured", VAPID_PUBLIC_KEY="BPublicKey",
                      VAPID_SUBJECT="mailto:clinic@example.com")


def _post(client, body, *, user_agent=ANDROID):
    token = csrf_token(client, "/account")
    return client.post("/account/push/subscriptions", json=body,
                       headers={"X-CSRFToken": token, "User-Agent": user_agent})


def _rows(app) -> list[PushSubscription]:
    with app.app_context():
        return list(db.session.execute(db.select(PushSubscription)).scalars())


def test_it_subscribes_a_device_once_and_lists_it(app, client, personas, push_on):
    sign_in(app, client, personas.alice)
    body = subscription()
    assert _post(client, body).status_code == 200
    assert _post(client, subscription(body["endpoint"])).status_code == 200  # same device
    [row] = _rows(app)
    assert row.device == "Chrome / Android" and row.user_id == personas.alice.id
    devices = parsed(client.get("/account")).find(id="push-devices")
    assert "Chrome / Android" in devices.get_text()


@pytest.mark.parametrize("change", [
    {"endpoint": "http://push.example.com/x"},
    {"endpoint": "not a url"},
    {"keys": {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(os.urandom(16))}},
    {"keys": {"p256dh": "!!!", "auth": b64url(os.urandom(16))}},
    {"keys": {"auth": b64url(os.urandom(16))}},
])
def test_it_refuses_a_bad_subscription_with_a_message(app, client, personas, push_on, change):
    sign_in(app, client, personas.alice)
    keys = subscription()["keys"]
    response = _post(client, {**subscription(), **change})
    assert response.status_code == 400
    assert "not valid" in response.get_json()["message"]
    short_auth = {**subscription(), "keys": {**keys, "auth": b64url(os.urandom(8))}}
    assert _post(client, short_auth).status_code == 400
    assert _post(client, ["not", "an", "object"]).status_code == 400
    assert _rows(app) == []


def test_it_removes_only_the_patients_own_device(app, client, personas, push_on):
    sign_in(app, client, personas.alice)
    _post(client, subscription())
    [row] = _rows(app)
    sign_in(app, client, personas.bob)
    token = csrf_token(client, "/account")
    assert client.post(f"/account/push/subscriptions/{row.id}/remove",
                       data={"csrf_token": token}).status_code == 404
    sign_in(app, client, personas.alice)
    token = csrf_token(client, "/account")
    assert client.post(f"/account/push/subscriptions/{row.id}/remove",
                       data={"csrf_token": token}).status_code == 302
    assert _rows(app) == []


def test_it_saves_the_reminder_channel(app, client, personas, push_on):
    sign_in(app, client, personas.alice)
    token = csrf_token(client, "/account")
    client.post("/account/push/channel", data={"csrf_token": token, "channel": "both"})
    client.post("/account/push/channel", data={"csrf_token": token, "channel": "pigeon"})
    with app.app_context():
        assert db.session.get(User, personas.alice.id).reminder_channel == "both"


def test_it_says_push_is_off_without_vapid_keys(app, client, personas):
    sign_in(app, client, personas.alice)
    page = parsed(client.get("/account"))
    assert page.find(id="push-off") is not None
    assert page.find(id="push-this-device") is None
    response = _post(client, subscription())
    assert response.status_code == 409 and response.get_json()["message"]
