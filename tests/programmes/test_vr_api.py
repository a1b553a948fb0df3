"""The VR exposure page and its SUDS API: sessions, ratings, refusals, continuing."""

import pytest

from app.db import db
from programmes.models import VrRating, VrSession
from tests.helpers import csrf_token, parsed, sign_in
from tests.programmes.vr_support import EXPOSURE, HEIGHTS, open_exposure


@pytest.fixture
def alice(app, client, personas):
    with app.app_context():
        open_exposure(personas.alice.id, personas.theo.id)
    sign_in(app, client, personas.alice)
    return personas.alice


def post_json(client, url, body, page=HEIGHTS):
    token = csrf_token(client, page)
    return client.post(url, json=body, headers={"X-CSRFToken": token,
                                                "Accept": "application/json"})


def start(client):
    reply = post_json(client, f"{HEIGHTS}/session", {})
    assert reply.status_code == 200
    return reply.get_json()


def rate(client, session, level, phase, suds):
    return post_json(client, "/programmes/vr/ratings",
                     {"session": session, "level": level, "phase": phase, "suds": suds})


def test_it_shows_the_vr_block_beside_the_ladder_in_the_module(app, client, alice):
    page = parsed(client.get(EXPOSURE))
    assert page.select_one("#block-my-fear-ladder") is not None
    link = page.select_one("#block-vr-heights a.button")
    assert link["href"] == HEIGHTS


def test_it_serves_the_scene_page_with_motion_allowed_only_there(app, client, alice):
    scene = client.get(HEIGHTS)
    assert scene.status_code == 200
    assert "xr-spatial-tracking=(self)" in scene.headers["Permissions-Policy"]
    assert "xr-spatial-tracking=()" in client.get(EXPOSURE).headers["Permissions-Policy"]
    page = parsed(scene)
    assert page.select_one("[data-vr-stop]").get_text(strip=True) == "Stop now"
    assert len(page.select(".vr-levels li")) == 5
    assert page.select_one(".vr-warning a")["href"].endswith("#block-my-fear-ladder")


def test_it_answers_404_for_a_block_that_is_not_vr(app, client, alice):
    assert client.get(f"{EXPOSURE}/vr/my-fear-ladder").status_code == 404
    assert client.get(f"{EXPOSURE}/vr/nothing").status_code == 404


def test_it_saves_suds_ratings_and_the_highest_level(app, client, alice):
    session = start(client)["session"]
    assert rate(client, session, 0, "before", 30).status_code == 200
    assert rate(client, session, 1, "during", 45).status_code == 200
    reply = rate(client, session, 2, "during", 60)
    assert reply.get_json() == {"ok": True, "highest_level": 2}
    with app.app_context():
        rows = db.session.execute(db.select(VrRating).order_by(VrRating.id)).scalars().all()
        assert [(r.level, r.phase, r.suds) for r in rows] == [
            (0, "before", 30), (1, "during", 45), (2, "during", 60)]


@pytest.mark.parametrize("suds", [-1, 101, "high", None])
def test_it_refuses_suds_outside_0_to_100(app, client, alice, suds):
    session = start(client)["session"]
    assert rate(client, session, 1, "during", suds).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(VrRating)).first() is None


def test_it_refuses_a_level_the_scene_does_not_have(app, client, alice):
    session = start(client)["session"]
    assert rate(client, session, 6, "during", 50).status_code == 400
    assert rate(client, session, 0, "during", 50).status_code == 400


def test_it_answers_404_for_another_patients_session(app, client, alice, personas):
    session = start(client)["session"]
    other = app.test_client()
    with app.app_context():
        open_exposure(personas.bob.id, personas.theo.id)
    sign_in(app, other, personas.bob)
    assert rate(other, session, 1, "during", 50).status_code == 404
    assert post_json(other, "/programmes/vr/end", {"session": session}).status_code == 404


def test_it_refuses_a_rating_without_the_csrf_token(app, client, alice):
    session = start(client)["session"]
    reply = client.post("/programmes/vr/ratings", json={
        "session": session, "level": 1, "phase": "during", "suds": 50})
    assert reply.status_code == 400


def test_it_continues_the_open_session_after_a_reload(app, client, alice):
    first = start(client)
    rate(client, first["session"], 0, "before", 20)
    rate(client, first["session"], 1, "during", 40)
    again = start(client)
    assert again["session"] == first["session"]
    assert again["highest_level"] == 1 and len(again["ratings"]) == 2


def test_it_starts_a_new_session_once_the_last_has_ended(app, client, alice):
    first = start(client)["session"]
    assert post_json(client, "/programmes/vr/end", {"session": first}).status_code == 200
    assert rate(client, first, 1, "during", 50).status_code == 404
    assert start(client)["session"] != first
    with app.app_context():
        assert db.session.get(VrSession, first).ended_at is not None


@pytest.mark.parametrize("at", ["2000-01-01T10:00:00+05:00", "1970-01-01T00:00:00Z",
                                "9999-12-31T23:59:59", 10**20])
def test_it_refuses_a_rating_time_outside_the_session(app, client, alice, at):
    session = start(client)["session"]
    reply = post_json(client, "/programmes/vr/ratings",
                      {"session": session, "level": 1, "phase": "during", "suds": 5, "at": at})
    assert reply.status_code == 400


def test_it_takes_a_rating_time_from_the_page(app, client, alice):
    from datetime import UTC, datetime
    session = start(client)["session"]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    reply = post_json(client, "/programmes/vr/ratings",
                      {"session": session, "level": 1, "phase": "during", "suds": 5, "at": now})
    assert reply.status_code == 200


def test_it_audits_every_session_read_and_write(app, client, alice):
    from app.audit.models import AuditEvent
    session = start(client)["session"]
    rate(client, session, 0, "before", 10)
    start(client)
    post_json(client, "/programmes/vr/end", {"session": session})
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.resource_type, AuditEvent.action).where(
            AuditEvent.resource_type.in_(("vr_session", "vr_rating")))).all()
        assert set(rows) == {("vr_session", "C"), ("vr_rating", "C"), ("vr_session", "R"),
                             ("vr_session", "U")}
