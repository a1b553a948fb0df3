"""The token endpoint's work: verify a client assertion, issue and check bearer tokens.

SMART Backend Services (client credentials with a JWT client assertion, RFC 7523): the
assertion is signed RS384 or ES384 with the client's private key, ``iss`` = ``sub`` = the
client id, ``aud`` = the token URL, ``exp`` at most five minutes ahead, and a ``jti``
that is accepted once. Verification is joserfc's (Authlib's JOSE).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from app.db import db, utcnow
from interop.api.models import FhirAssertionJti, FhirClient, FhirToken

ALGORITHMS = ["RS384", "ES384"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME = timedelta(minutes=5)
MAX_ASSERTION_LIFETIME = 300  # seconds, as SMART Backend Services requires
SCOPE_PREFIX = "system/"


class TokenError(Exception):
    """An OAuth error answer (RFC 6749 section 5.2): its code, description and status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class Grant:
    client: FhirClient
    scopes: frozenset[str]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_public_key(text: str):
    """A client's public key from PEM or a JWK (JSON); ValueError if it is neither."""
    data: str | dict = text.strip()
    if isinstance(data, str) and data.startswith("{"):
        data = json.loads(data)
    key = None
    # A JWK names its type (kty); a PEM does not, so both types are tried.
    for key_type in ([None] if isinstance(data, dict) else ["RSA", "EC"]):
        try:
            key = JWKRegistry.import_key(data, key_type)  # type: ignore[arg-type]
            break
        except (JoseError, ValueError, TypeError):
            continue
    if key is None:
        raise ValueError("not a PEM or JWK public key")
    if key.key_type not in ("RSA", "EC") or key.is_private:
        raise ValueError("give the public RSA or EC key, not a private or secret key")
    return key


def _unverified_issuer(assertion: str) -> str:
    try:
        claims = json.loads(_b64(assertion.split(".")[1]))
    except (IndexError, ValueError):
        raise TokenError("invalid_client", "client_assertion is not a JWT", 401) from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    # A NUL byte is no client id, and PostgreSQL refuses it in a query parameter.
    if not isinstance(issuer, str) or not 0 < len(issuer) <= 64 or "\x00" in issuer:
        raise TokenError("invalid_client", "client_assertion has no iss", 401)
    return issuer


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _client(client_id: str) -> FhirClient:
    client = db.session.execute(
        db.select(FhirClient).where(FhirClient.client_id == client_id)).scalar_one_or_none()
    if client is None or client.revoked_at is not None:
        raise TokenError("invalid_client", "unknown or revoked client", 401)
    return client


def _verified_claims(client: FhirClient, assertion: str, token_url: str) -> dict:
    try:
        token = jwt.decode(assertion, load_public_key(client.public_key), algorithms=ALGORITHMS)
        now = int(utcnow().timestamp())
        jwt.JWTClaimsRegistry(
            now=now,
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "value": token_url},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise TokenError("invalid_client", f"client_assertion refused: {error}", 401) from None
    if token.claims["exp"] > now + MAX_ASSERTION_LIFETIME:
        raise TokenError("invalid_client", "client_assertion expires more than 5 minutes ahead",
                         401)
    return token.claims


def _use_jti(client: FhirClient, claims: dict) -> None:
    """Refuse an assertion seen before; keep its jti until it could no longer be used."""
    jti = str(claims["jti"])[:255].replace("\x00", "")
    seen = db.session.execute(db.select(FhirAssertionJti.id).where(
        FhirAssertionJti.client_pk == client.id, FhirAssertionJti.jti == jti)).first()
    if seen:
        raise TokenError("invalid_client", "client_assertion was already used (jti)", 401)
    db.session.execute(db.delete(FhirAssertionJti).where(
        FhirAssertionJti.expires_at < utcnow()))
    db.session.add(FhirAssertionJti(
        client_pk=client.id, jti=jti,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=utcnow().tzinfo)))
    db.session.flush()


def _granted(client: FhirClient, requested: str) -> frozenset[str]:
    scopes = frozenset(requested.split())
    if not scopes:
        raise TokenError("invalid_scope", "scope is required, e.g. system/Observation.read")
    refused = scopes - client.allowed_scopes
    if refused:
        raise TokenError("invalid_scope", "not allowed for this client: "
                         + " ".join(sorted(refused)))
    return scopes


def issue(form: dict[str, str], token_url: str) -> tuple[str, Grant]:
    """Check a token request's form and issue a token: (the token, what it grants)."""
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = form.get("client_assertion") or ""
    if not assertion:
        raise TokenError("invalid_request", "client_assertion is required")
    client = _client(_unverified_issuer(assertion))
    claims = _verified_claims(client, assertion, token_url)
    scopes = _granted(client, form.get("scope", ""))
    _use_jti(client, claims)
    token = secrets.token_urlsafe(32)
    db.session.add(FhirToken(client_pk=client.id, token_hash=hash_token(token),
                             scopes=" ".join(sorted(scopes)),
                             expires_at=utcnow() + TOKEN_LIFETIME))
    db.session.flush()
    return token, Grant(client, scopes)


def grant_for(bearer: str) -> Grant | None:
    """What a bearer token grants, or None if it is unknown, expired or its client revoked."""
    row = db.session.execute(
        db.select(FhirToken, FhirClient).join(FhirClient, FhirClient.id == FhirToken.client_pk)
        .where(FhirToken.token_hash == hash_token(bearer))).first()
    if row is None:
        return None
    token, client = row
    if token.expires_at <= utcnow() or client.revoked_at is not None:
        return None
    return Grant(client, frozenset(token.scopes.split()))
