"""Issue 12: a clinician can reach every patient: phone (E.164), GP, emergency contact."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.accounts import phones
from app.accounts.models import User
from app.audit.models import AuditEvent
from app.db import db
from tests.conftest import complete_screening
from tests.helpers import post_form, sign_in
from tests.test_accounts import VALID_REGISTRATION, register


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def user(app, email: str) -> User:
    with app.app_context():
        found = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        db.session.expunge(found)
        return found


def audit_rows(app, resource_type: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            db.select(AuditEvent).where(AuditEvent.resource_type == resource_type)).scalars())


# --- the rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["20 11 22 33", "+45 20 11 22 33", "0045 20112233",
                                   "20-11-22-33"])
@pytest.mark.hazard("H-005")
def test_it_reads_a_danish_number_however_it_is_written(typed):
    assert phones.normalise(typed, "DK") == "+4520112233"


@pytest.mark.hazard("H-005")
@pytest.mark.parametrize("typed", ["", "123", "call me", "+45 20 11 22 33 44 55"])
def test_it_refuses_what_is_not_a_phone_number(typed):
    with pytest.raises(phones.InvalidPhone):
        phones.normalise(typed, "DK")


@pytest.mark.hazard("H-005")
def test_it_reads_numbers_of_the_configured_region():
    assert phones.normalise("07911 123456", "GB") == "+447911123456"


def test_it_shows_a_number_the_way_people_write_it():
    assert phones.display("+4520112233") == "+45 20 11 22 33"


# --- registration ---------------------------------------------------------------------------


@pytest.mark.hazard("H-005")
def test_it_stores_the_registering_patients_phone_gp_and_emergency_contact(app, client):
    register(client, phone="20 11 22 33", gp_practice="Lægehuset Vesterbro",
             emergency_name="Karl Nielsen", emergency_relation="brother",
             emergency_phone="31 44 55 66")
    nora = user(app, "nora@example.com")
    assert (nora.phone, nora.gp_practice) == ("+4520112233", "Lægehuset Vesterbro")
    assert (nora.emergency_name, nora.emergency_relation, nora.emergency_phone) == (
        "Karl Nielsen", "brother", "+4531445566")


@pytest.mark.hazard("H-005")
def test_it_requires_a_mobile_number_to_register(app, client):
    page = soup(register(client, phone=""))
    assert "Enter your mobile number" in page.select_one("#phone-error").get_text()
    assert page.select_one("#email")["value"] == "nora@example.com"


@pytest.mark.hazard("H-005")
def test_it_explains_the_expected_format_and_keeps_a_malformed_number(app, client):
    response = register(client, phone="12 34")
    assert response.status_code == 200
    page = soup(response)
    error = page.select_one("#phone-error").get_text()
    assert "country code" in error and "+45" in error
    assert page.select_one("#phone")["value"] == "12 34"
    with app.app_context():
        assert db.session.execute(
            db.select(User).where(User.email == VALID_REGISTRATION["email"])).first() is None


@pytest.mark.hazard("H-005")
def test_it_asks_for_the_emergency_contacts_phone_with_their_name(app, client):
    page = soup(register(client, emergency_name="Karl Nielsen"))
    assert "phone number" in page.select_one("#emergency_phone-error").get_text()
    assert page.select_one("#emergency_name")["value"] == "Karl Nielsen"


# --- the account page ----------------------------------------------------------------------


@pytest.mark.hazard("H-005")
def test_it_lets_the_patient_change_their_contact_details(app, client, personas):
    sign_in(app, client, personas.alice)
    page = soup(client.get("/account/contact"))
    assert page.select_one("#phone")["value"] == "+45 20 11 22 33"
    response = post_form(client, "/account/contact", {
        "phone": "+45 61 23 45 67", "gp_practice": "Lægerne på Torvet",
        "emergency_name": "", "emergency_relation": "", "emergency_phone": ""})
    assert response.status_code == 302
    alice = user(app, "alice@example.com")
    assert (alice.phone, alice.gp_practice, alice.emergency_name) == (
        "+4561234567", "Lægerne på Torvet", None)
    # Read when shown (twice: the test fetches the form's token again), written once.
    assert [e.action for e in audit_rows(app, "patient_contact")] == ["R", "R", "U"]


@pytest.mark.hazard("H-005")
def test_it_asks_for_the_password_before_showing_the_contact_details(app, client, personas):
    sign_in(app, client, personas.alice)
    with app.app_context():
        from app.accounts.models import UserSession

        db.session.execute(db.update(UserSession).values(reauthenticated_at=None))
        db.session.commit()
    response = client.get("/account/contact")
    assert response.status_code == 302 and "/account/confirm" in response.location


@pytest.mark.hazard("H-005")
def test_it_keeps_a_malformed_number_on_the_account_page(app, client, personas):
    sign_in(app, client, personas.alice)
    page = soup(post_form(client, "/account/contact", {"phone": "not a number"}))
    assert page.select_one("#phone")["value"] == "not a number"
    assert "country code" in page.select_one("#phone-error").get_text()
    assert user(app, "alice@example.com").phone == "+4520112233"


# --- asked at sign-in ------------------------------------------------------------------------


@pytest.fixture
def phoneless(app, personas):
    with app.app_context():
        db.session.get(User, personas.bob.id).phone = None
        db.session.commit()
    return personas.bob


@pytest.mark.hazard("H-005")
def test_it_asks_a_patient_without_a_phone_for_one_before_anything_else(app, client,
                                                                        phoneless):
    sign_in(app, client, phoneless)
    response = client.get("/messages")
    assert response.status_code == 302 and "/account/phone-needed" in response.location
    page = soup(client.get(response.location))
    assert page.select_one("#phone") is not None


@pytest.mark.hazard("H-005")
def test_it_goes_on_to_the_page_asked_for_once_the_phone_is_given(app, client, phoneless):
    sign_in(app, client, phoneless)
    url = client.get("/messages").location
    response = post_form(client, url, {"phone": "40 77 88 99"})
    assert response.status_code == 302 and response.location.endswith("/messages")
    assert user(app, "bob@example.com").phone == "+4540778899"
    assert client.get("/messages").status_code == 200


@pytest.mark.hazard("H-005")
def test_it_lets_a_patient_without_a_phone_reach_crisis_help_and_sign_out(app, client,
                                                                         phoneless):
    sign_in(app, client, phoneless)
    assert client.get("/support").status_code == 200
    assert client.get("/terms").status_code == 200
    response = post_form(client, "/logout", token_from="/account/phone-needed")
    assert response.status_code == 302 and "/login" in response.location


def test_it_never_asks_clinicians_for_a_phone(app, client, personas):
    sign_in(app, client, personas.theo)
    assert client.get("/caseload").status_code == 200


# --- what the clinician sees --------------------------------------------------------------


@pytest.mark.hazard("H-005")
@pytest.mark.hazard("H-006")
def test_it_shows_the_alerts_own_patients_phone_as_a_tel_link(app, client, personas):
    with app.app_context():
        complete_screening(personas.bob.id, phq9=(1,) * 9)
        complete_screening(personas.alice.id, phq9=(1,) * 9)
        from screening.models import RiskAlert

        alert_id = db.session.execute(db.select(RiskAlert.id).where(
            RiskAlert.patient_id == personas.alice.id)).scalar_one()
    sign_in(app, client, personas.theo)
    contact = soup(client.get(f"/alerts/{alert_id}")).select_one("#patient-contact")
    tels = [a["href"] for a in contact.select("a.tel")]
    assert tels == ["tel:+4520112233", "tel:+4531445566"]
    text = contact.get_text(" ", strip=True)
    assert "Lægehuset Nørrebro" in text and "Anne Andersen (sister)" in text
    links = [a["href"] for a in contact.select("a:not(.tel)")]
    assert links == [f"/patients/{personas.alice.id}", f"/patients/{personas.alice.id}/messages"]


@pytest.mark.hazard("H-005")
def test_it_shows_the_phone_in_the_patient_record(app, client, personas):
    sign_in(app, client, personas.theo)
    contact = soup(client.get(f"/patients/{personas.alice.id}")).select_one("#patient-contact")
    assert [a["href"] for a in contact.select("a.tel")] == ["tel:+4520112233", "tel:+4531445566"]


@pytest.mark.hazard("H-005")
def test_it_flags_a_record_without_a_phone(app, client, personas, phoneless):
    sign_in(app, client, personas.una)
    contact = soup(client.get(f"/patients/{personas.bob.id}")).select_one("#patient-contact")
    assert contact.select("a.tel") == []
    assert "No phone number given" in contact.get_text()


# --- the demo -------------------------------------------------------------------------------


def test_it_gives_the_demo_patients_contact_details_and_runs_twice(app, runner, cheap_hashing):
    from app.notify import ClinicianNotification

    for _run in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        patients = db.session.execute(
            db.select(User).where(User.role == "patient")).scalars().all()
        assert len([p for p in patients if p.phone]) == len(patients) - 1  # one is asked
        assert all(phones.normalise(p.phone, "DK") == p.phone for p in patients if p.phone)
        assert any(p.emergency_name for p in patients) and any(p.gp_practice for p in patients)
        statuses = db.session.execute(db.select(ClinicianNotification.status)).scalars().all()
        assert "sent" in statuses and "failed" in statuses
