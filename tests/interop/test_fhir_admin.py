"""The admin's page of record systems (the FHIR API's clients): register and revoke."""

# ruff: noqa: F811 (pytest fixtures imported from test_fhir_api are used as arguments)
from __future__ import annotations

from app.audit.models import AuditEvent
from app.db import db
from interop.api.models import FhirClient
from tests.helpers import csrf_token, parsed, sign_in
from tests.interop.test_fhir_api import ask_token, assertion, public_pem, rsa_key

NEW = "/admin/record-systems/new"


def _register(client, **fields):
    data = {"csrf_token": csrf_token(client, NEW), "name": "Region Nordjylland EPJ",
            "public_key": "", "scopes": ["system/Observation.read"], **fields}
    return client.post(NEW, data=data, follow_redirects=True)


def _clients(app):
    with app.app_context():
        return db.session.execute(db.select(FhirClient)).scalars().all()


def test_it_registers_a_system_that_can_then_get_a_token(app, client, personas):
    sign_in(app, client, personas.ada)
    private = rsa_key()
    page = parsed(_register(client, public_key=public_pem(private)))
    [registered] = _clients(app)
    assert registered.client_id in page.select_one(".flash").get_text()
    assert [c.get_text(strip=True) for c in page.select("tbody tr td")][:2] == [
        "Region Nordjylland EPJ", registered.client_id]
    answer = ask_token(client, assertion(private, registered.client_id),
                       "system/Observation.read")
    assert answer.status_code == 200


def test_it_refuses_a_key_that_is_not_a_public_key_and_keeps_what_was_typed(
        app, client, personas):
    sign_in(app, client, personas.ada)
    page = parsed(_register(client, public_key="-----BEGIN PRIVATE KEY-----\nnonsense"))
    assert "public key" in page.select_one("#public_key-error").get_text()
    assert page.select_one("#name")["value"] == "Region Nordjylland EPJ"
    assert _clients(app) == []


def test_it_asks_for_at_least_one_scope(app, client, personas):
    sign_in(app, client, personas.ada)
    page = parsed(_register(client, public_key=public_pem(rsa_key()), scopes=[]))
    assert page.select_one("#scopes-error").get_text(strip=True) == "Choose at least one."
    assert _clients(app) == []


def test_it_revokes_a_system_whose_tokens_then_stop(app, client, personas):
    sign_in(app, client, personas.ada)
    private = rsa_key()
    _register(client, public_key=public_pem(private))
    [registered] = _clients(app)
    token = ask_token(client, assertion(private, registered.client_id),
                      "system/Observation.read").json["access_token"]
    page = parsed(client.post(f"/admin/record-systems/{registered.id}/revoke",
                              data={"csrf_token": csrf_token(client, "/admin/record-systems/")},
                              follow_redirects=True))
    assert "is revoked" in page.select_one(".flash").get_text()
    answer = client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_it_audits_registering_and_revoking(app, client, personas):
    sign_in(app, client, personas.ada)
    _register(client, public_key=public_pem(rsa_key()))
    [registered] = _clients(app)
    client.post(f"/admin/record-systems/{registered.id}/revoke",
                data={"csrf_token": csrf_token(client, "/admin/record-systems/")})
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.action, AuditEvent.actor_id).where(
            AuditEvent.resource_type == "fhir_client")).all()
    assert sorted(rows) == [("C", personas.ada.id), ("U", personas.ada.id)]


def test_it_shows_the_page_in_the_admins_menu_only(app, client, personas):
    sign_in(app, client, personas.ada)
    assert parsed(client.get("/account")).select_one('nav a[href="/admin/record-systems/"]')
    sign_in(app, client, personas.theo)
    assert not parsed(client.get("/account")).select_one('nav a[href="/admin/record-systems/"]')
