"""The body a browser posts to subscribe: its PushSubscription's JSON, checked strictly."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel, ConfigDict, Field, field_validator


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


class SubscriptionKeys(BaseModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=64)

    @field_validator("p256dh")
    @classmethod
    def _a_p256_point(cls, value: str) -> str:
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64url(value))
        except ValueError as exc:
            raise ValueError("p256dh is not a P-256 public key") from exc
        return value

    @field_validator("auth")
    @classmethod
    def _sixteen_bytes(cls, value: str) -> str:
        if len(_b64url(value)) != 16:
            raise ValueError("auth is not a 16-byte secret")
        return value


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(max_length=1000)
    keys: SubscriptionKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name

    @field_validator("endpoint")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("the endpoint is not an https URL")
        return value


class Subscribed(BaseModel):
    id: int
    device: str


class Refused(BaseModel):
    message: str
