"""Registered FHIR clients (a region's systems), their bearer tokens and the assertion ids seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow


class FhirClient(db.Model):
    """A system allowed to ask for tokens: its public key verifies its client assertions."""

    __tablename__ = "fhir_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The public key as PEM or as a JWK (JSON); never a private key.
    public_key: Mapped[str] = mapped_column(Text)
    # Space-separated, e.g. "system/Observation.read system/Patient.read".
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def allowed_scopes(self) -> set[str]:
        return set(self.scopes.split())


class FhirToken(db.Model):
    """An issued bearer token; only its SHA-256 is stored, so a database copy grants nothing."""

    __tablename__ = "fhir_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("fhir_client.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FhirAssertionJti(db.Model):
    """A client assertion's ``jti``, kept until the assertion expires: each is used once."""

    __tablename__ = "fhir_assertion_jti"
    __table_args__ = (UniqueConstraint("client_pk", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(ForeignKey("fhir_client.id"))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
