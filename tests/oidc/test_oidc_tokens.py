"""ID tokens this app must refuse, signed with keys of our own (no real provider needed)."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from app.accounts import oidc
from app.accounts.models import OidcLink
from app.audit.models import AuditEvent
from app.db import db
from tests.helpers import parsed

ISSUER = "https://id.example.test"
CLIENT_ID = "stepcare"
START = "/login/oidc/test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "good"})
STRANGER = RSAKey.generate_key(2048, parameters={"kid": "good"})  # same kid, other key
UNVERIFIED = "could not be verified"


@pytest.fixture
def oidc_settings() -> dict:
    return {"OIDC_PROVIDERS": {"test": {
        "issuer": ISSUER, "client_id": CLIENT_ID, "client_secret": "secret",
        "scopes": "openid profile", "id_claim": "", "label": "TestID"}},
        "OIDC_MFA_ACR_VALUES": "urn:dk:gov:saml:attribute:AssuranceLevel:3 substantial"}


@pytest.fixture
def provider_answers(monkeypatch):
    """The provider's published documents, and the ID token its token endpoint returns."""
    documents = {
        f"{ISSUER}/.well-known/openid-configuration": {
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
            "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks"},
        f"{ISSUER}/jwks": KeySet([KEY]).as_dict(private=False),
    }
    issued: dict[str, str] = {}
    monkeypatch.setattr(oidc, "_get_json", documents.__getitem__)
    monkeypatch.setattr(oidc, "_exchange", lambda *args: issued["id_token"])
    return issued


def _sign_in_with(client, issued, *, key=KEY, kid="good", alg="RS256", **changes):
    """Start a sign-in, let the provider answer with a token made of `changes`."""
    client.get(START)
    with client.session_transaction() as cookie:
        pending = cookie["oidc"]
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "sub-1", "iat": now, "exp": now + 300,
              "nonce": pending["nonce"], **changes}
    issued["id_token"] = jwt.encode({"alg": alg, "kid": kid}, claims, key,
                                    algorithms=[alg])
    return client.get(f"/login/oidc/test/callback?code=c&state={pending['state']}")


def _denied(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.resource_type == "oidc_login", AuditEvent.outcome == "denied")).scalar()


def _message(client) -> str:
    return parsed(client.get("/login")).get_text(" ", strip=True)


def _link(app, user_id: int) -> None:
    with app.app_context():
        db.session.add(OidcLink(user_id=user_id, provider="test", subject="sub-1"))
        db.session.commit()


def test_it_signs_in_with_a_good_token(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    response = _sign_in_with(client, provider_answers)
    assert response.status_code == 302 and "/login" not in response.location
    assert _denied(app) == 0


def test_it_refuses_a_token_signed_with_another_key(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    response = _sign_in_with(client, provider_answers, key=STRANGER)
    assert response.location.endswith("/login")
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_refuses_a_token_signed_with_an_unknown_key_id(app, client, personas,
                                                         provider_answers):
    _link(app, personas.alice.id)
    _sign_in_with(client, provider_answers, key=RSAKey.generate_key(
        2048, parameters={"kid": "rotated-away"}), kid="rotated-away")
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_refuses_a_token_with_a_shared_secret_algorithm(app, client, personas,
                                                           provider_answers):
    _link(app, personas.alice.id)
    _sign_in_with(client, provider_answers, alg="HS256",
                  key=OctKey.import_key("the-client-secret-is-not-a-signing-key"))
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_refuses_a_token_with_another_nonce(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    response = _sign_in_with(client, provider_answers, nonce="replayed")
    assert response.location.endswith("/login")
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_refuses_an_expired_token(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    an_hour_ago = int(time.time()) - 3600
    response = _sign_in_with(client, provider_answers, iat=an_hour_ago - 300, exp=an_hour_ago)
    assert response.location.endswith("/login")
    assert "has expired" in _message(client)
    assert _denied(app) == 1


def test_it_refuses_a_token_from_an_unknown_issuer(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    response = _sign_in_with(client, provider_answers, iss="https://evil.example.test")
    assert response.location.endswith("/login")
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_refuses_a_token_for_another_client(app, client, personas, provider_answers):
    _link(app, personas.alice.id)
    _sign_in_with(client, provider_answers, aud="someone-else")
    assert UNVERIFIED in _message(client)
    assert _denied(app) == 1


def test_it_counts_an_accepted_acr_as_the_staff_second_factor(app, client, personas,
                                                              provider_answers):
    _link(app, personas.theo.id)
    response = _sign_in_with(client, provider_answers, acr="substantial")
    assert "/login/two-step" not in response.location
    assert client.get("/account").status_code == 200


def test_it_asks_staff_for_the_code_when_the_acr_is_too_low(app, client, personas,
                                                            provider_answers):
    _link(app, personas.theo.id)
    response = _sign_in_with(client, provider_answers, acr="low")
    assert response.location.endswith("/login/two-step")


def test_it_speaks_danish_on_the_login_page_and_in_its_refusals(app, client, personas,
                                                                provider_answers):
    with client.session_transaction() as cookie:
        cookie["lang"] = "da"
    assert "Log ind med TestID" in parsed(client.get("/login")).get_text()
    _sign_in_with(client, provider_answers, nonce="replayed")
    assert "Svaret fra TestID kunne ikke bekræftes" in _message(client)
