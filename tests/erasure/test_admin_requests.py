"""The admins' page of erasure requests, and anonymising an account at once."""

from __future__ import annotations

from app.accounts.models import Role, User
from app.audit.operations import verify_chain
from app.db import db
from app.erasure import operations
from app.erasure.models import ErasureRequest
from tests.conftest import make_user
from tests.helpers import audited_lines, parsed, post_form, sign_in


def _request_for(app, user_id: int) -> int:
    with app.app_context():
        found = operations.request_erasure(db.session.get(User, user_id))
        db.session.commit()
        return found.id


def _new_patient(app, personas, name: str = "Nina Nielsen") -> int:
    with app.app_context():
        nina = make_user(name, Role.PATIENT, personas.alice.password_hash)
        db.session.commit()
        return nina.id


def test_it_lists_the_requests_with_their_purge_date(app, client, screened):
    request_id = _request_for(app, screened.alice.id)
    sign_in(app, client, screened.ada)
    page = parsed(client.get("/admin/erasure-requests"))
    rows = page.select("#erasure-requests tbody tr")
    assert len(rows) == 1
    assert "Alice Andersen" in rows[0].get_text()
    assert rows[0].select_one('td[data-label="Purgeable from"]').get_text(strip=True)
    with app.app_context():
        assert str(request_id) in [line.resource_id
                                   for line in audited_lines("erasure_request_row")]


def test_it_links_the_page_from_the_admin_menu(app, client, personas):
    sign_in(app, client, personas.ada)
    assert parsed(client.get("/admin/users")).select_one('a[href="/admin/erasure-requests"]')


def test_it_refuses_to_anonymise_a_record_with_clinical_entries(app, client, screened):
    request_id = _request_for(app, screened.alice.id)
    sign_in(app, client, screened.ada)
    response = post_form(client, f"/admin/erasure-requests/{request_id}/anonymise",
                         token_from="/admin/erasure-requests", follow_redirects=True)
    assert "clinical entries" in parsed(response).select_one(".flash-error").get_text()
    with app.app_context():
        assert db.session.get(ErasureRequest, request_id).status == "pending"
        assert db.session.get(User, screened.alice.id).name == "Alice Andersen"


def test_it_anonymises_a_record_without_clinical_entries(app, client, personas):
    nina = _new_patient(app, personas)
    request_id = _request_for(app, nina)
    sign_in(app, client, personas.ada)
    response = post_form(client, f"/admin/erasure-requests/{request_id}/anonymise",
                         token_from="/admin/erasure-requests", follow_redirects=True)
    assert parsed(response).select_one(".flash-success")
    with app.app_context():
        found = db.session.get(ErasureRequest, request_id)
        assert found.status == "anonymised" and found.handled_by_id == personas.ada.id
        user = db.session.get(User, nina)
        assert "nina" not in user.email and user.name != "Nina Nielsen"
        assert verify_chain()[1] is None


def test_it_answers_404_to_a_patient_or_therapist(app, client, personas):
    for who in (personas.alice, personas.theo):
        sign_in(app, client, who)
        assert client.get("/admin/erasure-requests").status_code == 404
