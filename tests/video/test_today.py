"""The therapist's "video appointments today" panel on the caseload page."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

from app.accounts.models import User
from app.caseload.models import CareAssignment
from app.db import db, utcnow
from tests.helpers import audited_lines, queries_for, sign_in
from tests.video.conftest import book
from video.views import today_for

CPH = ZoneInfo("Europe/Copenhagen")


def local_midnight_in(days: int):
    today = utcnow().astimezone(CPH).date() + timedelta(days=days)
    from datetime import datetime, time

    return datetime.combine(today, time(0), tzinfo=CPH)


def test_it_lists_the_therapists_appointments_of_today_only(app, personas):
    today = book(app, personas.alice.id, personas.theo.id)
    book(app, personas.alice.id, personas.theo.id, at=local_midnight_in(1) + timedelta(hours=9))
    book(app, personas.bob.id, personas.una.id)
    with app.test_request_context():
        theo = db.session.get(User, personas.theo.id)
        rows = today_for(theo)
        assert [r["appointment"].id for r in rows] == [today.id]


def test_it_shows_the_panel_at_the_top_of_the_caseload(app, client, personas):
    book(app, personas.alice.id, personas.theo.id)
    sign_in(app, client, personas.theo)
    page = client.get("/caseload").get_data(as_text=True)
    after_heading = page.split(">Your caseload</h1>", 1)[1]
    assert after_heading.lstrip().startswith('<section class="card video-today"')
    assert "Alice Andersen" in page.split("video-today-body")[1]


def test_it_says_since_when_a_patient_is_waiting(app, client, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id)
    room_api(personas.alice, booked.room_id).join()
    sign_in(app, client, personas.theo)
    page = client.get("/caseload").get_data(as_text=True)
    with app.app_context():
        from video.models import Appointment

        arrived = db.session.get(Appointment, booked.id).patient_arrived_at
    assert f"Waiting since {arrived.astimezone(CPH).strftime('%H:%M')}" in page
    assert f"/video/{booked.room_id}" in page


def test_it_serves_the_panel_alone_for_the_refresh(app, client, personas):
    book(app, personas.alice.id, personas.theo.id)
    sign_in(app, client, personas.theo)
    response = client.get("/video/today", headers={"X-Stepcare-Fragment": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Alice Andersen" in page
    assert "<html" not in page and "today.js" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_it_serves_a_whole_page_when_today_is_opened_directly(app, client, personas):
    book(app, personas.alice.id, personas.theo.id)
    sign_in(app, client, personas.theo)
    soup = BeautifulSoup(client.get("/video/today").get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.title.get_text(strip=True).startswith("Video appointments today")
    assert soup.find("h1").get_text(strip=True) == "Video appointments today"
    assert "Alice Andersen" in soup.find(id="video-today").get_text()


def test_it_says_when_there_is_nothing_today(app, client, personas):
    sign_in(app, client, personas.theo)
    assert "No video appointments today." in client.get("/caseload").get_data(as_text=True)


def test_it_audits_each_row_it_shows(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id)
    sign_in(app, client, personas.theo)
    client.get("/video/today")
    with app.app_context():
        [row] = audited_lines("appointment_today_row")
    assert row.resource_id == str(booked.id) and row.patient_id == personas.alice.id


def add_patients_with_appointments(app, therapist_id: int, count: int, start: int) -> None:
    with app.app_context():
        for n in range(start, start + count):
            patient = User(email=f"v{n}@example.com", name=f"Video Patient {n}", role="patient",
                           password_hash="x", language="en")
            db.session.add(patient)
            db.session.flush()
            db.session.add(CareAssignment(patient_id=patient.id, therapist_id=therapist_id))
            db.session.commit()
    with app.app_context():
        ids = db.session.execute(db.select(User.id).where(User.email.like("v%@example.com"))
                                 ).scalars().all()
    for index, patient_id in enumerate(sorted(ids)[start:start + count]):
        book(app, patient_id, therapist_id, starts_in=timedelta(minutes=1 + index))


def test_it_keeps_the_query_count_flat_as_the_day_fills(app, client, personas):
    sign_in(app, client, personas.theo)
    add_patients_with_appointments(app, personas.theo.id, 2, start=0)
    few = queries_for(app, client, "/video/today")
    add_patients_with_appointments(app, personas.theo.id, 6, start=2)
    assert queries_for(app, client, "/video/today") == few
