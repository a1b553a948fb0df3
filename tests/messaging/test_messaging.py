"""Messaging between a patient and their therapist: read receipts, limits, editing, overdue."""

from datetime import timedelta

import pytest

from app.db import db, utcnow
from app.messaging.models import Message
from tests.helpers import post_form, sign_in


def thread_messages(app):
    with app.app_context():
        rows = db.session.execute(db.select(Message).order_by(Message.id)).scalars().all()
        db.session.expunge_all()
        return rows


def test_it_marks_messages_read_when_the_other_side_opens_the_thread(app, client, screened):
    sign_in(app, client, screened.theo)
    assert thread_messages(app)[0].read_at is None
    client.get(f"/patients/{screened.alice.id}/messages")
    assert thread_messages(app)[0].read_at is not None


def test_it_shows_read_receipts_to_the_sender(app, client, screened):
    therapist = app.test_client()
    sign_in(app, therapist, screened.theo)
    therapist.get(f"/patients/{screened.alice.id}/messages")
    sign_in(app, client, screened.alice)
    assert "Read " in client.get("/messages").get_data(as_text=True)


def test_it_counts_unread_messages_on_both_sides(app, client, screened):
    sign_in(app, client, screened.theo)
    assert "1 message" in client.get("/caseload").get_data(as_text=True)
    post_form(client, f"/patients/{screened.alice.id}/messages",
              {"body": "Yes, that can happen early on. Let's talk it through."})
    patient = app.test_client()
    sign_in(app, patient, screened.alice)
    assert "1 new message from your therapist" in patient.get("/home").get_data(as_text=True)


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_it_refuses_empty_or_oversized_messages(app, client, screened, body):
    sign_in(app, client, screened.alice)
    response = post_form(client, "/messages", {"body": body})
    assert response.status_code == 200
    assert len(thread_messages(app)) == 1


def test_it_refuses_a_message_to_a_patient_outside_the_caseload(app, client, screened):
    sign_in(app, client, screened.una)
    response = post_form(client, f"/patients/{screened.alice.id}/messages", {"body": "hi"},
                         token_from="/caseload")
    assert response.status_code == 404 and len(thread_messages(app)) == 1


def test_it_allows_editing_only_until_the_message_is_read(app, client, screened):
    sign_in(app, client, screened.alice)
    post_form(client, f"/messages/{screened.alice_message}/edit", {"body": "Edited text"},
              token_from="/messages")
    assert thread_messages(app)[0].body == "Edited text"
    therapist = app.test_client()
    sign_in(app, therapist, screened.theo)
    therapist.get(f"/patients/{screened.alice.id}/messages")
    post_form(client, f"/messages/{screened.alice_message}/edit", {"body": "Sneaky"},
              token_from="/messages")
    assert thread_messages(app)[0].body == "Edited text"


def test_it_surfaces_overdue_threads(app, client, screened):
    with app.app_context():
        message = db.session.get(Message, screened.alice_message)
        message.sent_at = utcnow() - timedelta(days=7)
        db.session.commit()
    sign_in(app, client, screened.theo)
    assert "Overdue" in client.get("/inbox").get_data(as_text=True)
    assert "Overdue" in client.get("/caseload").get_data(as_text=True)
