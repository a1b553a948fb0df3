"""Push reminders: encrypted to the device, generic, sent by the patient's choice, and a
device the push service no longer knows is forgotten. A loopback push service stands in
for the browser vendor's; it decrypts what it gets with the device's private key."""

from __future__ import annotations

import base64
import json
import os
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.accounts.models import User
from app.db import db
from app.push import operations
from app.push.models import PushSubscription
from tests.conftest import HEALTH_WORDS
from tests.pwa.test_reminder_flow import give_feedback


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


class PushService:
    """A loopback push service: it records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Message, bytes]] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append((self.path, self.headers, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.stop()


@pytest.fixture
def device(app, screened, push_service, vapid):
    """Alice's phone: its key pair and auth secret, subscribed at the loopback service,
    with her reminders set to push."""
    key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    with app.app_context():
        alice = db.session.get(User, screened.alice.id)
        operations.subscribe(alice, push_service.url + "/push/alice-phone",
                             b64url(_public_point(key)), b64url(auth),
                             "Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile")
        operations.set_channel(alice, "push")
        db.session.commit()
    return key, auth


def test_it_pushes_an_encrypted_generic_reminder(app, runner, screened, device, push_service,
                                                 inbox):
    key, auth = device
    give_feedback(app, screened)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    [(path, headers, body)] = push_service.received
    assert path == "/push/alice-phone"
    assert headers["Content-Encoding"] == "aes128gcm"
    assert headers["Authorization"].startswith("vapid t=")
    plain = http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm")
    message = json.loads(plain)
    assert message == {"title": "Stepcare", "body": "There is something new for you in "
                       "Stepcare", "url": "/"}
    assert not [word for word in HEALTH_WORDS if word in plain.decode().lower()]
    assert inbox == []  # push only: no email as well
    with app.app_context():
        assert db.session.execute(db.select(PushSubscription)).scalar_one().last_success_at


def test_it_pushes_and_emails_when_the_patient_wants_both(app, runner, screened, device,
                                                          push_service, inbox):
    with app.app_context():
        operations.set_channel(db.session.get(User, screened.alice.id), "both")
        db.session.commit()
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    assert len(push_service.received) == 1
    assert [m["To"] for m in inbox] == [screened.alice.email]


def test_it_forgets_a_device_the_push_service_calls_gone(app, runner, screened, device,
                                                         push_service, inbox):
    push_service.status = 410
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    assert len(push_service.received) == 1
    with app.app_context():
        assert db.session.execute(db.select(PushSubscription)).first() is None
    # Nothing reached her phone, so the reminder went by email instead.
    assert [m["To"] for m in inbox] == [screened.alice.email]


def test_it_writes_the_push_in_the_patients_language(app, runner, screened, device,
                                                     push_service, inbox):
    key, auth = device
    with app.app_context():
        db.session.get(User, screened.alice.id).language = "da"
        db.session.commit()
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    plain = http_ece.decrypt(push_service.received[0][2], private_key=key, auth_secret=auth,
                             version="aes128gcm")
    assert json.loads(plain)["body"] == "Der er noget nyt til dig i Stepcare"
