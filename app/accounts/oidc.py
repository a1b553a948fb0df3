"""OpenID Connect: the authorization code flow with PKCE, state and nonce.

The providers come from the configuration (``app.config.oidc_providers``). Their
discovery document and keys are fetched when first needed and kept for a while; an ID
token is accepted only when its signature checks against the provider's keys and its
issuer, audience, expiry and nonce are the ones this sign-in expects.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

HTTP_TIMEOUT_SECONDS = 10
CACHE_SECONDS = 600
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    id_claim: str


class OidcError(Exception):
    """A sign-in the provider or this check refused; ``reason`` says which (for the page)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def providers() -> dict[str, Provider]:
    return {name: Provider(name=name, **fields)
            for name, fields in current_app.config.get("OIDC_PROVIDERS", {}).items()}


def provider(name: str) -> Provider | None:
    return providers().get(name)


# --- what the provider publishes -----------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}


def _get_json(url: str) -> Any:
    cached = _cache.get(url)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError("unreachable", f"{url}: {type(exc).__name__}") from None
    _cache[url] = (time.monotonic(), data)
    return data


def forget_cached() -> None:
    _cache.clear()


def discovery(p: Provider) -> dict[str, Any]:
    doc = _get_json(p.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if not isinstance(doc, dict) or doc.get("issuer") != p.issuer:
        raise OidcError("unknown_issuer", "the discovery document names another issuer")
    return doc


def keys(p: Provider) -> KeySet:
    try:
        return KeySet.import_key_set(_get_json(discovery(p)["jwks_uri"]))
    except (KeyError, TypeError, ValueError, JoseError):
        raise OidcError("unreachable", "the provider's keys cannot be read") from None


def _signed_claims(p: Provider, id_token: str) -> dict[str, Any]:
    """The token's claims if a key of the provider signed it; the keys are fetched afresh
    once before giving up, as a provider that rotated its keys signs with a new one."""
    for attempt in range(2):
        if attempt:
            _cache.pop(discovery(p)["jwks_uri"], None)
        try:
            return dict(jwt.decode(id_token, keys(p), algorithms=ALGORITHMS).claims)
        except (JoseError, ValueError):
            continue
    raise OidcError("signature", "the ID token's signature does not check")


# --- the flow ------------------------------------------------------------------------------


def begin(p: Provider, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL, and what the callback must find again."""
    pending = {
        "provider": p.name,
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
    }
    query = urlencode({
        "response_type": "code",
        "client_id": p.client_id,
        "redirect_uri": redirect_uri,
        "scope": p.scopes,
        "state": pending["state"],
        "nonce": pending["nonce"],
        "code_challenge": create_s256_code_challenge(pending["verifier"]),
        "code_challenge_method": "S256",
    })
    return f"{discovery(p)['authorization_endpoint']}?{query}", pending


def finish(p: Provider, args: dict[str, str], pending: dict[str, str] | None,
           redirect_uri: str) -> dict[str, Any]:
    """The ID token's claims for this callback, or OidcError."""
    if pending is None or pending.get("provider") != p.name:
        raise OidcError("state", "no sign-in with this provider was started here")
    if args.get("error"):
        reason = "cancelled" if args["error"] == "access_denied" else "provider_error"
        raise OidcError(reason, args["error"])
    if not args.get("state") or not secrets.compare_digest(args["state"], pending["state"]):
        raise OidcError("state", "the state does not match")
    if not args.get("code"):
        raise OidcError("provider_error", "no code")
    id_token = _exchange(p, args["code"], pending["verifier"], redirect_uri)
    return verify_id_token(p, id_token, pending["nonce"])


def _exchange(p: Provider, code: str, verifier: str, redirect_uri: str) -> str:
    try:
        response = requests.post(
            discovery(p)["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": redirect_uri, "code_verifier": verifier},
            auth=(p.client_id, p.client_secret),
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError("unreachable", type(exc).__name__) from None
    if response.status_code != 200 or not isinstance(body.get("id_token"), str):
        raise OidcError("provider_error", str(body.get("error", response.status_code)))
    return str(body["id_token"])


def verify_id_token(p: Provider, id_token: str, nonce: str) -> dict[str, Any]:
    """Check the signature against the provider's keys, then the claims."""
    claims = _signed_claims(p, id_token)
    if claims.get("iss") != p.issuer:
        raise OidcError("unknown_issuer", str(claims.get("iss"))[:80])
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        aud={"essential": True, "value": p.client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        reason = "expired" if type(exc).__name__ == "ExpiredTokenError" else "claims"
        raise OidcError(reason, type(exc).__name__) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != p.client_id:
        raise OidcError("claims", "azp")
    return claims
