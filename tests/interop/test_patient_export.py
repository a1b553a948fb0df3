"""The patient's own export (interop.export): a FHIR Bundle and a readable report, after
the password, audited as a disclosure to the patient, and for the patient alone."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle

from app.accounts.models import User
from app.audit.models import Action, AuditEvent
from app.caseload.models import Disclosure
from app.db import db
from screening.models import Answer, QuestionnaireResponse
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import csrf_token, login, parsed, post_form, sign_in
from tests.test_access_log import write_rows

URL = "/account/export"


@pytest.fixture
def alice_data(app, screened):
    """Alice's screening, programme, video appointment and message (``screened``), plus a
    diary entry and a message from Theo."""
    from app.caseload import operations as caseload
    from app.messaging import operations as messaging
    from programmes import diary

    with app.app_context():
        alice = db.session.get(User, screened.alice.id)
        theo = db.session.get(User, screened.theo.id)
        diary.save_mood(alice, date(2026, 11, 2), 4, "Slept badly, walked anyway.")
        messaging.send(alice, theo, "Thank you, let us talk on Thursday.")
        caseload.set_step(alice, 2, by=theo)
        db.session.commit()
    return screened


def download(client, fmt, password=PERSONA_PASSWORD):
    return post_form(client, URL, {"format": fmt, "password": password})


def exports(app):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent).filter_by(
            resource_type="patient_export")).scalars().all()


def test_it_exports_a_bundle_that_validates_and_holds_every_answer(app, client, alice_data):
    sign_in(app, client, alice_data.alice)
    response = download(client, "fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = Bundle.model_validate_json(response.get_data(as_text=True))
    assert bundle.type == "collection"
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "QuestionnaireResponse", "Observation", "Communication", "Appointment",
            "AuditEvent", "EpisodeOfCare"} <= kinds
    exported = {}
    for entry in bundle.entry:
        resource = entry.resource
        if resource.id.startswith("qr-"):
            for item in resource.item:
                answer = item.answer[0]
                value = (answer.valueString if answer.valueString is not None
                         else answer.valueCoding.extension[0].valueDecimal
                         if answer.valueCoding.extension else answer.valueCoding.code)
                exported[(resource.id, item.linkId)] = value
    with app.app_context():
        stored = [(a.item_id, a.value, a.response_id) for a in db.session.execute(
            db.select(Answer)
            .join(QuestionnaireResponse, Answer.response_id == QuestionnaireResponse.id)
            .where(QuestionnaireResponse.patient_id == alice_data.alice.id)).scalars()
            if a.value is not None]
    assert len({response_id for _, _, response_id in stored}) >= 4  # screening: 4 forms
    for item_id, value, response_id in stored:
        assert (f"qr-{response_id}", item_id) in exported, item_id
        assert str(exported[(f"qr-{response_id}", item_id)]) == str(value), item_id


def test_it_exports_the_diary_and_exercises(app, client, alice_data):
    sign_in(app, client, alice_data.alice)
    bundle = Bundle.model_validate_json(download(client, "fhir").get_data(as_text=True))
    by_id = {entry.resource.id: entry.resource for entry in bundle.entry}
    mood = next(r for i, r in by_id.items() if i.startswith("mood-"))
    assert mood.valueInteger == 4 and mood.note[0].text == "Slept badly, walked anyway."
    exercise = next(r for i, r in by_id.items() if i.startswith("ex-"))
    assert exercise.item[0].item[0].answer[0].valueString == "My first homework."
    assert all(entry.fullUrl.endswith(f"/{entry.resource.get_resource_type()}/"
                                      f"{entry.resource.id}") for entry in bundle.entry)


def test_it_reports_the_answers_and_messages_in_readable_html(app, client, alice_data):
    write_rows(app, alice_data.theo, alice_data.alice.id, Action.READ, "patient")
    write_rows(app, alice_data.alice, alice_data.alice.id, Action.READ, "access_log")
    sign_in(app, client, alice_data.alice)
    response = download(client, "html")
    assert response.mimetype == "text/html"
    page = parsed(response)
    assert page.h1.get_text(strip=True) == "Your data in Stepcare"
    titles = [h.get_text(" ", strip=True) for h in page.select("#questionnaires h3")]
    assert any(t.startswith("PHQ-9") or "PHQ" in t for t in titles)
    answers = [td.get_text(strip=True) for td in page.select("#questionnaires td.answer")]
    assert "Several days" in answers
    bodies = [p.get_text(strip=True) for p in page.select("#messages .body")]
    assert bodies == ["Is it normal to feel worse?", "Thank you, let us talk on Thursday."]
    assert "Slept badly, walked anyway." in page.select_one("#diary").get_text()
    assert "My first homework." in page.select_one("#exercises").get_text()
    assert not page.find("script") and not page.find("style")
    who = {td.get_text(strip=True) for td in page.select("#access-log td:nth-of-type(2)")}
    assert {"You", "Theo Thomsen (therapist)", "Stepcare (automatic)"} <= who


def test_it_audits_the_download_as_a_disclosure_to_the_patient(app, client, alice_data):
    sign_in(app, client, alice_data.alice)
    download(client, "html")
    [row] = exports(app)
    assert (row.actor_id, row.actor_role, row.patient_id, row.action) == (
        alice_data.alice.id, "patient", alice_data.alice.id, "E")
    with app.app_context():
        disclosure = db.session.get(Disclosure, int(row.resource_id))
        assert disclosure.patient_id == disclosure.made_by_id == alice_data.alice.id
        assert disclosure.kind == "patient_export"
    log = parsed(client.get("/account/access-log?show=all"))
    cells = [td.get_text(strip=True) for td in log.select("#access-log td")]
    assert "a copy of all your data" in cells


def test_it_asks_for_the_password_and_downloads_nothing_without_it(app, client, alice_data):
    sign_in(app, client, alice_data.alice)
    response = download(client, "fhir", password="not her password")
    assert response.status_code == 200
    assert "Content-Disposition" not in response.headers
    page = parsed(response)
    assert "That password is not right." in page.select_one("main form").get_text()
    assert page.select_one("input[name=format][value=fhir]").has_attr("checked")
    assert exports(app) == []


def test_it_refuses_a_post_without_its_csrf_token(app, client, alice_data):
    sign_in(app, client, alice_data.alice)
    response = client.post(URL, data={"format": "fhir", "password": PERSONA_PASSWORD})
    assert response.status_code == 400 or "Content-Disposition" not in response.headers
    assert exports(app) == []


@pytest.mark.parametrize("name", ["bob", "theo", "una", "ada"])
def test_it_lets_no_one_else_export_alices_data(app, client, alice_data, name):
    sign_in(app, client, getattr(alice_data, name))
    assert client.get(URL).status_code == (200 if name == "bob" else 404)
    token = csrf_token(client, "/account")
    response = client.post(URL, data={"csrf_token": token, "format": "fhir",
                                      "password": PERSONA_PASSWORD})
    if name == "bob":  # Bob gets his own data, never Alice's
        assert alice_data.alice.name not in response.get_data(as_text=True)
    else:
        assert response.status_code == 404
    assert all(row.patient_id != alice_data.alice.id for row in exports(app))


def test_it_sends_a_signed_out_visitor_to_sign_in(client, alice_data):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.location
    assert client.post(URL, data={"format": "fhir"}).status_code in (302, 400)


def test_it_links_the_export_from_a_patients_account_page_only(app, client, alice_data):
    login(client, db_user(app, alice_data.alice.id), PERSONA_PASSWORD)
    links = [a["href"] for a in parsed(client.get("/account")).select("#your-data a")]
    assert links == [URL]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    sign_in(app, client, alice_data.una)
    assert not parsed(client.get("/account")).select("#your-data")


def db_user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user
