"""A VAPID key pair in the app's settings: push reminders on."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


@pytest.fixture
def vapid(app):
    key = ec.generate_private_key(ec.SECP256R1())
    app.config.update(
        VAPID_PRIVATE_KEY=b64url(key.private_numbers().private_value.to_bytes(32, "big")),
        VAPID_PUBLIC_KEY=b64url(public_point(key)),
        VAPID_SUBJECT="mailto:clinic@example.com",
    )
    return key


