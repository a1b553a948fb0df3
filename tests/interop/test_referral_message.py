"""The step-4 referral letter as a FHIR message (interop.referral): built, downloaded and
POSTed to a receiver on loopback that validates it and answers 200, 400 or not at all."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from app.audit.models import AuditEvent
from app.caseload.models import Disclosure
from app.db import db
from interop.referral import operations
from interop.referral.models import FhirReceiver, ReferralMessage
from tests.helpers import parsed, post_form, sign_in
from tests.interop.referral_server import Receiver

REASON = "Svær depression; behov for psykiatrisk udredning."


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def letter(app, client, screened, receiver):
    """Theo has written Alice's referral letter; the clinic knows the loopback receiver."""
    with app.app_context():
        row = operations.save_receiver(None, name="Lægerne Vestergade, Aarhus", kind="gp",
                                       endpoint=receiver.url)
        db.session.commit()
        receiver.id = row.id
    sign_in(app, client, screened.theo)
    page = post_form(client, f"/patients/{screened.alice.id}/referral",
                     {"recipient": "Lægerne Vestergade", "reason": REASON})
    with app.app_context():
        letter_id = db.session.execute(db.select(Disclosure.id)).scalar_one()
    return page, letter_id


def send(client, patient_id, letter_id, receiver_id):
    return post_form(client, f"/patients/{patient_id}/referral/send",
                     {"letter": letter_id, "receiver": receiver_id}, token_from="/account")


def sends(app):
    with app.app_context():
        return db.session.execute(db.select(ReferralMessage)).scalars().all()


def resources(bundle: Bundle) -> dict[str, object]:
    return {entry.resource.get_resource_type(): entry.resource for entry in bundle.entry}


def test_it_offers_sending_and_downloading_on_the_letter_page(letter, screened, receiver):
    page = parsed(letter[0])
    form = page.select_one("#referral-message form")
    assert form["action"] == f"/patients/{screened.alice.id}/referral/send"
    assert [o.get_text() for o in form.select("select option")] == ["Lægerne Vestergade, Aarhus"]
    assert page.select_one("#referral-message a[download]")
    assert page.select_one(".letter #referral-message") is None  # not printed with the letter


def test_it_downloads_a_message_bundle_with_the_letters_sections_and_the_patient(
        client, letter, screened):
    response = client.get(f"/patients/{screened.alice.id}/referral/message?letter={letter[1]}")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = Bundle.model_validate_json(response.get_data(as_text=True))
    assert bundle.type == "message"
    assert bundle.entry[0].resource.get_resource_type() == "MessageHeader"
    found = resources(bundle)
    assert set(found) == {"MessageHeader", "Communication", "Patient", "Practitioner",
                          "Provenance"}
    assert found["MessageHeader"].eventCoding.code == "care-communication-message"
    texts = "\n".join(p.contentString for p in found["Communication"].payload)
    assert REASON in texts and "PHQ-9: " in texts and "Treatment so far" in texts
    assert found["Patient"].name[0].text == "Alice Andersen"
    assert found["Communication"].subject.reference == bundle.entry[2].fullUrl
    assert found["Practitioner"].name[0].text == screened.theo.name


def test_it_delivers_to_a_receiver_that_answers_200(app, client, letter, screened, receiver):
    response = send(client, screened.alice.id, letter[1], receiver.id)
    assert response.status_code == 302
    [sent] = sends(app)
    assert sent.delivered and sent.http_status == 200
    [got] = receiver.bundles
    assert str(got.id) == sent.bundle_id
    assert resources(got)["MessageHeader"].destination[0].endpoint == receiver.url
    with app.app_context():
        assert db.session.execute(db.select(Disclosure).filter_by(
            kind="referral_message")).scalar_one().recipient == "Lægerne Vestergade, Aarhus"
        assert db.session.execute(db.select(AuditEvent).filter_by(
            resource_type="referral_message", action="C")).first()
    record = parsed(client.get(f"/patients/{screened.alice.id}"))
    assert record.select_one("#referral-messages .referral-send")["data-delivered"] == "yes"


def test_it_marks_a_refused_message_not_delivered_with_the_reason_and_sends_it_again(
        app, client, letter, screened, receiver):
    receiver.mode = "refuse"
    send(client, screened.alice.id, letter[1], receiver.id)
    [sent] = sends(app)
    assert not sent.delivered and sent.http_status == 400
    assert "ikke tilknyttet lægepraksis" in sent.outcome
    record = parsed(client.get(f"/patients/{screened.alice.id}"))
    shown = record.select_one("#referral-messages .referral-send")
    assert shown["data-delivered"] == "no" and "ikke tilknyttet" in shown.get_text()
    assert record.select_one("#referral-messages form button")  # send again
    receiver.mode = "ok"
    send(client, screened.alice.id, letter[1], receiver.id)
    assert [s.delivered for s in sorted(sends(app), key=lambda s: s.id)] == [False, True]


def test_it_marks_a_timed_out_message_not_delivered(app, client, letter, screened, receiver):
    app.config["FHIR_SEND_TIMEOUT"] = 0.3
    receiver.mode, receiver.delay = "slow", 1.5
    send(client, screened.alice.id, letter[1], receiver.id)
    [sent] = sends(app)
    assert not sent.delivered and sent.http_status is None
    assert "timed out" in sent.outcome


@pytest.mark.parametrize("who", ["una", "ada", "alice"])
def test_it_lets_only_the_patients_therapist_download_or_send(app, letter, screened,
                                                              receiver, who):
    other = app.test_client()
    sign_in(app, other, getattr(screened, who))
    url = f"/patients/{screened.alice.id}/referral/message?letter={letter[1]}"
    assert other.get(url).status_code == 404
    assert send(other, screened.alice.id, letter[1], receiver.id).status_code == 404
    assert not sends(app) and not receiver.bundles


def test_it_answers_404_for_another_patients_letter(client, letter, screened):
    url = f"/patients/{screened.bob.id}/referral/message?letter={letter[1]}"
    assert client.get(url).status_code == 404


def test_it_refuses_a_send_without_a_csrf_token(app, client, letter, screened, receiver):
    response = client.post(f"/patients/{screened.alice.id}/referral/send",
                           data={"letter": letter[1], "receiver": receiver.id})
    assert response.status_code == 400
    assert not sends(app) and not receiver.bundles


# --- the admin's receivers -------------------------------------------------------------------

RECEIVERS = "/admin/fhir-receivers"


def test_it_lets_an_admin_add_edit_and_deactivate_a_receiver(app, client, screened):
    sign_in(app, client, screened.ada)
    response = post_form(client, RECEIVERS, {
        "name": "Aarhus Kommune, Socialpsykiatri", "kind": "municipality",
        "endpoint": "https://fhir.aarhus.example.dk/R4/$process-message"})
    assert response.status_code == 302
    with app.app_context():
        receiver_id = db.session.execute(db.select(FhirReceiver.id)).scalar_one()
    post_form(client, f"{RECEIVERS}?edit={receiver_id}", {
        "name": "Aarhus Kommune, Socialpsykiatrien", "kind": "municipality",
        "endpoint": "https://fhir.aarhus.example.dk/R4/$process-message"})
    post_form(client, f"{RECEIVERS}/active", {"receiver": receiver_id}, token_from=RECEIVERS)
    with app.app_context():
        receiver = db.session.get(FhirReceiver, receiver_id)
        assert receiver.name == "Aarhus Kommune, Socialpsykiatrien" and not receiver.active
        assert operations.active_receivers() == []
    row = parsed(client.get(RECEIVERS)).select_one("#receivers tbody tr")
    assert "Deactivated" in row.get_text() and row.select_one("button").get_text(
        strip=True).startswith("Activate")


def test_it_keeps_what_was_typed_when_the_endpoint_is_not_a_url(app, client, screened):
    sign_in(app, client, screened.ada)
    response = post_form(client, RECEIVERS, {"name": "Lægerne Vestergade", "kind": "gp",
                                             "endpoint": "fhir.example.dk"})
    assert response.status_code == 422
    page = parsed(response)
    assert page.select_one("#name")["value"] == "Lægerne Vestergade"
    assert page.select_one("#endpoint-error").get_text(strip=True)
    with app.app_context():
        assert db.session.execute(db.select(FhirReceiver)).first() is None


@pytest.mark.parametrize("who", ["theo", "alice"])
def test_it_shows_the_receivers_page_to_admins_only(app, client, screened, who):
    sign_in(app, client, getattr(screened, who))
    assert client.get(RECEIVERS).status_code == 404


def test_it_refuses_a_receiver_change_without_a_csrf_token(app, client, screened):
    sign_in(app, client, screened.ada)
    response = client.post(RECEIVERS, data={"name": "X", "kind": "gp",
                                            "endpoint": "https://x.example.dk/"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(FhirReceiver)).first() is None


def test_it_adds_the_demo_receivers_once_and_sends_nothing(app, screened, monkeypatch):
    import requests

    from interop.referral import demo

    monkeypatch.setattr(requests, "post", lambda *a, **k: pytest.fail("the demo sent"))
    with app.app_context():
        demo._receivers()
        demo._receivers()
        names = db.session.execute(db.select(FhirReceiver.name)).scalars().all()
    assert sorted(names) == sorted(name for name, _kind, _url in demo.RECEIVERS)


def test_it_speaks_danish_to_a_danish_therapist(app, client, screened, receiver):
    from app.accounts.models import User

    with app.app_context():
        db.session.get(User, screened.theo.id).language = "da"
        operations.save_receiver(None, name="Lægerne Vestergade", kind="gp",
                                 endpoint=receiver.url)
        db.session.commit()
    sign_in(app, client, screened.theo)
    page = parsed(post_form(client, f"/patients/{screened.alice.id}/referral",
                            {"recipient": "Lægerne Vestergade", "reason": REASON}))
    panel = page.select_one("#referral-message")
    assert panel.select_one("button").get_text(strip=True) == "Send som FHIR-meddelelse"
    assert panel.select_one("a[download]").get_text(strip=True) == "Hent meddelelsen"


def test_it_lets_no_duty_therapist_send_for_a_patient_without_a_therapist(
        app, letter, screened, receiver):
    """On duty, Una reads the record of a patient nobody treats, but a letter is sent by
    the patient's own therapist only."""
    from app.accounts.models import User
    from app.caseload.models import CareAssignment
    from app.db import utcnow

    with app.app_context():
        db.session.get(User, screened.una.id).on_duty = True
        for row in db.session.execute(db.select(CareAssignment).filter_by(
                patient_id=screened.alice.id)).scalars():
            row.ended_at = utcnow()
        db.session.commit()
    una = app.test_client()
    sign_in(app, una, screened.una)
    assert una.get(f"/patients/{screened.alice.id}").status_code == 200
    assert una.get(f"/patients/{screened.alice.id}/referral/message").status_code == 404
    assert send(una, screened.alice.id, letter[1], receiver.id).status_code == 404
    assert not sends(app) and not receiver.bundles
