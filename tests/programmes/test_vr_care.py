"""The therapist assigns VR scenes with a starting level and gives feedback on a finished
session; the patient sees both. Only the patient's own therapist writes; all is audited."""

import pytest

from app.audit.models import AuditEvent
from app.db import db, utcnow
from programmes import reminders
from programmes.models import VrAssignment, VrSession
from tests.helpers import csrf_token, parsed, post_form, sign_in
from tests.programmes.test_vr_record import a_session
from tests.programmes.vr_support import EXPOSURE, HEIGHTS, open_exposure


@pytest.fixture
def alice_in_exposure(app, personas):
    with app.app_context():
        open_exposure(personas.alice.id, personas.theo.id)
    return personas


def assign_url(personas) -> str:
    return f"/patients/{personas.alice.id}/vr"


def audit_rows(app, resource_type: str, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == resource_type, AuditEvent.action == action,
            AuditEvent.outcome == "allowed")).scalars())


def assignments(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(a.scene, a.start_level) for a in db.session.execute(
            db.select(VrAssignment).order_by(VrAssignment.scene)).scalars()]


def test_it_assigns_scenes_from_the_record_and_starts_the_session_there(
        app, client, alice_in_exposure):
    personas = alice_in_exposure
    sign_in(app, client, personas.theo)
    record = parsed(client.get(f"/patients/{personas.alice.id}"))
    form = record.select_one("section.vr-record form.vr-assign")
    assert form["action"] == assign_url(personas)
    assert [o["value"] for o in form.select("select[name=scene] option")] == [
        "heights", "crowd", "speaking"]
    for scene, level in (("heights", "3"), ("crowd", "2"), ("heights", "4")):
        reply = post_form(client, assign_url(personas), {"scene": scene, "start_level": level},
                          token_from=f"/patients/{personas.alice.id}")
        assert reply.status_code == 302 and reply.location.endswith("#vr")
    assert assignments(app) == [("crowd", 2), ("heights", 4)]  # a second time changes it
    assert len(audit_rows(app, "vr_assignment", "C")) == 2
    assert len(audit_rows(app, "vr_assignment", "U")) == 1
    assert len(audit_rows(app, "patient", "U")) == 3  # the loader's row per post
    panel = parsed(client.get(f"/patients/{personas.alice.id}")).select_one("section.vr-record")
    assert "Heights: start at level 4" in panel.get_text(" ", strip=True)

    sign_in(app, client, personas.alice)
    module = parsed(client.get(EXPOSURE))
    assert "Start at level 4" in module.select_one("#block-vr-heights").get_text(" ")
    assert module.select_one("#block-vr-speaking .vr-assigned") is None
    assert module.select_one("#block-vr-speaking a.button")  # unassigned: still open
    page = parsed(client.get(HEIGHTS))
    assert page.select_one("#vr")["data-start-level"] == "4"
    assert "You start at level 4" in page.select_one(".vr-assigned").get_text()
    token = csrf_token(client, HEIGHTS)
    reply = client.post(f"{HEIGHTS}/session", json={}, headers={"X-CSRFToken": token})
    assert reply.get_json()["start_level"] == 4
    assert audit_rows(app, "vr_assignment", "R")


def test_it_takes_a_scene_off_again(app, client, alice_in_exposure):
    personas = alice_in_exposure
    sign_in(app, client, personas.theo)
    post_form(client, assign_url(personas), {"scene": "crowd", "start_level": "1"})
    reply = post_form(client, f"{assign_url(personas)}/crowd/remove", {},
                      token_from=assign_url(personas))
    assert reply.status_code == 302 and assignments(app) == []
    assert len(audit_rows(app, "vr_assignment", "D")) == 1


@pytest.mark.parametrize(("scene", "level", "message"), [
    ("heights", "6", "Choose a level from 1 to 5."),
    ("heights", "0", "Choose a level from 1 to 5."),
    ("heights", "three", "Write a starting level as a number."),
    ("heights", "", "Write a starting level as a number."),
    ("volcano", "2", "Choose one of the scenes in the patient's programme."),
    ("", "2", "Choose a scene."),
])
def test_it_refuses_a_bad_scene_or_level_with_a_clear_message(
        app, client, alice_in_exposure, scene, level, message):
    personas = alice_in_exposure
    sign_in(app, client, personas.theo)
    reply = post_form(client, assign_url(personas), {"scene": scene, "start_level": level})
    assert reply.status_code == 422
    page = parsed(reply)
    assert message in page.select_one(".error-summary").get_text(" ")
    assert page.select_one("input[name=start_level]").get("value", "") == level  # kept
    assert assignments(app) == []


def test_it_refuses_a_post_without_its_csrf_token(app, client, alice_in_exposure):
    sign_in(app, client, alice_in_exposure.theo)
    reply = client.post(assign_url(alice_in_exposure), data={"scene": "heights",
                                                             "start_level": "2"})
    assert reply.status_code in (400, 422) and assignments(app) == []


def test_it_answers_404_to_another_therapist_and_to_admins(app, client, alice_in_exposure):
    personas = alice_in_exposure
    session_id = a_session(app, personas)
    for someone in (personas.una, personas.ada):
        sign_in(app, client, someone)
        token = csrf_token(client, "/account")
        assert client.get(assign_url(personas)).status_code == 404
        assert client.post(assign_url(personas), data={
            "csrf_token": token, "scene": "heights", "start_level": "2"}).status_code == 404
        assert client.post(f"/vr/sessions/{session_id}", data={
            "csrf_token": token, "feedback": "Not mine to give."}).status_code == 404
    assert client.get(f"/vr/sessions/{session_id}").status_code == 200  # Ada reads
    sign_in(app, client, personas.una)
    assert client.get(f"/vr/sessions/{session_id}").status_code == 404
    with app.app_context():
        assert db.session.get(VrSession, session_id).feedback is None
    assert assignments(app) == []
    with app.app_context():
        denied = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.outcome == "denied", AuditEvent.resource_type.in_(
                ["patient", "vr_session"]))).scalars().all()
        assert denied


def test_it_sends_feedback_that_the_patient_sees_and_is_reminded_of(
        app, client, alice_in_exposure):
    personas = alice_in_exposure
    session_id = a_session(app, personas)
    sign_in(app, client, personas.theo)
    record = parsed(client.get(f"/patients/{personas.alice.id}"))
    link = record.select_one(f"section.vr-record a[href='/vr/sessions/{session_id}']")
    assert link.get_text(strip=True) == "Give feedback on this session"
    page = parsed(client.get(f"/vr/sessions/{session_id}"))
    assert page.select_one("svg.chart") and page.select_one("table.data-table")
    text = "You stayed on level 3 <b>until</b> it eased. Next time start at level 2."
    reply = post_form(client, f"/vr/sessions/{session_id}", {"feedback": text})
    assert reply.status_code == 302
    assert audit_rows(app, "vr_session", "U")
    with app.app_context():
        due = [r.key for r in reminders.collect(app, now=utcnow())]
        assert f"vr-feedback:{session_id}" in due

    sign_in(app, client, personas.alice)
    home = parsed(client.get("/home"))
    assert "1 new reply from your therapist" in home.get_text(" ")
    scene = client.get(HEIGHTS).get_data(as_text=True)
    assert "<b>until</b>" not in scene and "&lt;b&gt;until&lt;/b&gt;" in scene  # escaped
    shown = parsed(client.get(EXPOSURE)).select_one(".vr-feedback")
    assert "Next time start at level 2." in shown.get_text(" ")
    assert "Feedback from Theo" in shown.get_text(" ")
    assert "Next time start at level 2." in parsed(client.get("/exercises")).get_text(" ")
    with app.app_context():
        assert db.session.get(VrSession, session_id).feedback_read_at is not None
        assert not [r for r in reminders.collect(app, now=utcnow())
                    if r.key.startswith("vr-feedback")]
    assert len(audit_rows(app, "vr_session", "R")) >= 3


def test_it_refuses_feedback_that_is_empty_or_on_an_unfinished_session(
        app, client, alice_in_exposure):
    personas = alice_in_exposure
    session_id = a_session(app, personas)
    sign_in(app, client, personas.theo)
    reply = post_form(client, f"/vr/sessions/{session_id}", {"feedback": "   "})
    assert reply.status_code == 422
    assert "Write your feedback first." in parsed(reply).select_one(".error-summary").get_text()
    with app.app_context():
        db.session.get(VrSession, session_id).ended_at = None
        db.session.commit()
    reply = post_form(client, f"/vr/sessions/{session_id}", {"feedback": "Well done."},
                      token_from="/account")
    assert reply.status_code == 422
    assert "has not finished this session yet" in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(VrSession, session_id).feedback is None
