"""Issue 16: the caseload reads each patient's stored facts, kept current in the transaction
of every write, and never hides a new risk alert."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from app.accounts.models import User
from app.caseload import projection
from app.caseload.models import StoredFacts
from app.db import db, utcnow
from app.messaging.models import Message
from screening import operations as screening
from screening.models import RiskAlert
from tests.caseload.test_caseload import add_patient, weekly
from tests.conftest import gad7_page, phq9_page
from tests.helpers import parsed, post_form, sign_in

pytestmark = pytest.mark.hazard("H-003")

RISKY_MESSAGE = "Bad day. I want to end my life."


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    import textmodel

    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


def category(client, name: str) -> int:
    """The triage category of the patient's row on the caseload page (1 is a risk alert)."""
    page = parsed(client.get("/caseload"))
    [row] = [tr for tr in page.select("tbody tr") if name in tr.get_text()]
    [found] = [int(c.removeprefix("triage-")) for c in row["class"] if c.startswith("triage-")]
    return found


def row_text(client, name: str) -> str:
    page = parsed(client.get("/caseload"))
    [row] = [tr for tr in page.select("tbody tr") if name in tr.get_text()]
    return row.get_text(" ", strip=True)


def cell(client, name: str, header: str) -> str:
    page = parsed(client.get("/caseload"))
    headers = [th.get_text(strip=True) for th in page.select("thead th")]
    [row] = [tr for tr in page.select("tbody tr") if name in tr.get_text()]
    return row.find_all(["th", "td"])[headers.index(header)].get_text(strip=True)


def assert_current(app) -> None:
    with app.test_request_context():
        assert projection.differences() == []


def stored_rows(app) -> list[tuple]:
    with app.app_context():
        return sorted((r.patient_id, r.lang, repr(r.facts)) for r in db.session.execute(
            db.select(StoredFacts)).scalars())


def test_it_shows_a_risky_item_9_in_the_next_caseload_view(app, client, personas):
    therapist = app.test_client()
    sign_in(app, therapist, personas.theo)
    assert category(therapist, "Alice Andersen") != 1
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    post_form(client, "/screening/questions/phq9",
              {k: str(v) for k, v in phq9_page((1, 1, 1, 1, 1, 1, 1, 1, 1)).items()})
    assert category(therapist, "Alice Andersen") == 1
    assert_current(app)


def test_it_shows_a_risky_message_in_the_next_caseload_view(app, client, personas):
    therapist = app.test_client()
    sign_in(app, therapist, personas.theo)
    assert category(therapist, "Alice Andersen") != 1
    sign_in(app, client, personas.alice)
    post_form(client, "/messages", {"body": RISKY_MESSAGE})
    assert category(therapist, "Alice Andersen") == 1
    assert_current(app)


def test_it_shows_a_new_message_in_the_next_caseload_view(app, client, personas):
    therapist = app.test_client()
    sign_in(app, therapist, personas.theo)
    assert category(therapist, "Alice Andersen") == 5  # inactive
    sign_in(app, client, personas.alice)
    post_form(client, "/messages", {"body": "Can we move Thursday's session?"})
    assert category(therapist, "Alice Andersen") == 3  # waiting for you
    therapist.get(f"/patients/{personas.alice.id}/messages")  # reading it
    assert category(therapist, "Alice Andersen") == 5
    assert_current(app)


def test_it_stops_showing_an_alert_once_closed(app, client, screened):
    sign_in(app, client, screened.theo)
    assert category(client, "Alice Andersen") == 1
    post_form(client, f"/alerts/{screened.alice_alert}/contacts",
              {"method": "phone", "outcome": "reached", "contact_note": "Spoke for 20 minutes."},
              token_from=f"/alerts/{screened.alice_alert}")
    assert_current(app)
    post_form(client, f"/alerts/{screened.alice_alert}", {"note": "No plan or intent."})
    assert category(client, "Alice Andersen") != 1
    assert_current(app)


def test_it_shows_a_new_questionnaire_in_the_next_caseload_view(app, client, personas):
    patient = add_patient(app, "Willa Worse", personas.theo.id)
    sign_in(app, client, personas.theo)
    assert "+11" not in row_text(client, "Willa Worse")
    weekly(app, patient, (3, 3, 3, 3, 3, 2, 2, 2, 0), "w1")  # PHQ-9 10 -> 21
    assert "+11" in row_text(client, "Willa Worse")
    assert category(client, "Willa Worse") == 2  # reliable deterioration
    assert_current(app)


def test_it_keeps_showing_a_second_alert_when_the_first_is_acknowledged(app, client, screened):
    """Acknowledging one alert recomputes the count, and the other alert stays counted."""
    with app.test_request_context():
        alice = db.session.get(User, screened.alice.id)
        screening.record_weekly(alice, {"phq9": phq9_page((1, 1, 1, 1, 1, 1, 1, 1, 2)),
                                        "gad7": gad7_page()}, "w-risky")
        db.session.commit()
        assert db.session.execute(db.select(db.func.count()).select_from(RiskAlert)
                                  .where(RiskAlert.acknowledged_at.is_(None))).scalar_one() == 2
    sign_in(app, client, screened.theo)
    post_form(client, f"/alerts/{screened.alice_alert}", {"note": "No plan or intent."})
    assert category(client, "Alice Andersen") == 1
    assert_current(app)


def test_it_keeps_the_stored_facts_equal_to_fresh_ones_through_a_week_of_work(
        app, client, screened):
    assert_current(app)
    alice = app.test_client()
    sign_in(app, alice, screened.alice)
    post_form(alice, "/messages", {"body": "The homework was hard."})
    sign_in(app, client, screened.theo)
    client.get(f"/patients/{screened.alice.id}/messages")
    post_form(client, f"/patients/{screened.alice.id}/messages",
              {"body": "Let us talk on Thursday."})
    assert_current(app)
    post_form(client, f"/patients/{screened.alice.id}/step",
              {"action": "3", "reason": "Prefers video sessions."})
    post_form(client, f"/clinical-alerts/{screened.alice_clinical_alert}/acknowledge", {},
              token_from=f"/patients/{screened.alice.id}")
    assert_current(app)
    weekly(app, screened.bob.id, (0, 0, 0, 0, 0, 0, 0, 0, 0), "w1")
    post_form(alice, "/messages", {"body": "One more thing."})
    assert "1 message" in cell(client, "Alice Andersen", "Waiting")
    with app.app_context():  # a statement that names no patient: every one is recomputed
        db.session.execute(db.update(Message).values(read_at=utcnow()))
        db.session.commit()
    assert_current(app)
    assert category(client, "Alice Andersen") == 1
    assert "message" not in cell(client, "Alice Andersen", "Waiting")


def test_it_recomputes_facts_that_time_alone_changes(app, client, personas):
    patient = add_patient(app, "Tim Time", personas.theo.id)
    sign_in(app, client, personas.theo)
    assert cell(client, "Tim Time", "Weeks") == "0"
    with time_machine.travel(utcnow() + timedelta(days=8)):
        sign_in(app, client, personas.theo)  # the first session timed out
        assert cell(client, "Tim Time", "Weeks") == "1"
        assert_current(app)
    del patient


def test_it_rebuilds_every_patients_facts_idempotently(app, runner, screened):
    before = stored_rows(app)
    assert before
    with app.app_context():
        db.session.execute(db.delete(StoredFacts))
        db.session.commit()
    assert stored_rows(app) == []
    result = runner.invoke(args=["caseload", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Stored the caseload facts of 2 patient(s)." in result.output
    assert stored_rows(app) == before
    runner.invoke(args=["caseload", "rebuild"])
    assert stored_rows(app) == before
    assert_current(app)


def test_it_computes_the_facts_of_patients_stored_before_the_table_existed(
        app, client, personas):
    with app.app_context():
        db.session.execute(db.delete(StoredFacts))
        db.session.commit()
    sign_in(app, client, personas.theo)
    assert category(client, "Alice Andersen") == 5
    with app.test_request_context():  # stored as the page computed them; Bob's wait
        assert projection.differences([personas.alice.id]) == []
        assert projection.differences([personas.bob.id]) != []


def test_it_names_every_table_the_facts_come_from(app, screened):
    """A table read by some package's facts but not named in its sources would leave the
    stored facts stale after a write to it."""
    from app.caseload import facts
    from app.caseload.tracking import sources

    with app.test_request_context():
        tables = set(db.metadata.tables)
        read: set[str] = set()

        def seen(_conn, _cursor, statement, *_args):
            read.update(t for t in tables if re.search(rf"\b{t}\b", statement))

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            facts.batches(None, [screened.alice.id, screened.bob.id])
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert read - {"user_account"} <= set(sources()), read - set(sources())


def test_it_follows_an_insert_sent_as_a_statement(app, personas):
    """A diary entry's first save is an INSERT ... ON CONFLICT statement, not an ORM object."""
    from programmes import diary

    with app.test_request_context():
        projection.rebuild()
        db.session.commit()
        alice = db.session.get(User, personas.alice.id)
        diary.save_mood(alice, diary.clinic_today(), 3, None)
        db.session.commit()
        assert projection.differences() == []
        [facts] = projection.stored_facts_for([alice.id], "en").values()
        assert facts.programme_activity is not None

