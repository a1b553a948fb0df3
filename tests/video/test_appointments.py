"""Booking, listing, moving and cancelling video appointments, and their invitations."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.audit.models import Action, Outcome
from app.db import db, utcnow
from tests.helpers import audited_lines, parsed, post_form, sign_in
from tests.video.conftest import audit_rows, book, load
from video.models import Appointment

CPH = ZoneInfo("Europe/Copenhagen")


def local_fields(when) -> dict:
    local = when.astimezone(CPH)
    return {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M")}


def booking(patient_id: int, when, duration: int = 45) -> dict:
    return {"patient_id": patient_id, **local_fields(when), "duration": duration}


def appointments(app) -> list[Appointment]:
    with app.app_context():
        rows = list(db.session.execute(db.select(Appointment)).scalars())
        db.session.expunge_all()
        return rows


def tomorrow_at_ten():
    return (utcnow().astimezone(CPH) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0)


# --- booking ------------------------------------------------------------------------------


def test_it_books_an_appointment_with_a_patient_on_the_caseload(app, client, personas):
    sign_in(app, client, personas.theo)
    when = tomorrow_at_ten()
    response = post_form(client, "/appointments/new", booking(personas.alice.id, when, 50))
    assert response.status_code == 302
    [appointment] = appointments(app)
    assert (appointment.patient_id, appointment.therapist_id) == (personas.alice.id,
                                                                  personas.theo.id)
    assert appointment.starts_at == when and appointment.duration_minutes == 50
    assert appointment.status == "scheduled" and appointment.sequence == 0


def test_it_gives_each_room_an_unguessable_id(app, personas):
    first = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    second = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=2))
    assert len(first.room_id) == 32 and first.room_id != second.room_id


def test_it_audits_the_booking(app, client, personas):
    sign_in(app, client, personas.theo)
    post_form(client, "/appointments/new", booking(personas.alice.id, tomorrow_at_ten()))
    [row] = audit_rows(app, resource_type="appointment", action=Action.CREATE)
    assert row.patient_id == personas.alice.id and row.actor_id == personas.theo.id


def test_it_offers_only_the_therapists_own_patients(app, client, personas):
    sign_in(app, client, personas.theo)
    page = client.get("/appointments/new").get_data(as_text=True)
    assert "Alice Andersen" in page and "Bob Berg" not in page


def test_it_refuses_a_patient_from_another_caseload(app, client, personas):
    sign_in(app, client, personas.theo)
    response = post_form(client, "/appointments/new", booking(personas.bob.id,
                                                              tomorrow_at_ten()))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(True)
    assert appointments(app) == []


def test_it_refuses_a_time_in_the_past_and_keeps_what_was_typed(app, client, personas):
    sign_in(app, client, personas.theo)
    past = utcnow() - timedelta(hours=2)
    response = post_form(client, "/appointments/new", booking(personas.alice.id, past))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choose a time in the future." in page
    assert local_fields(past)["date"] in page and appointments(app) == []


def test_it_refuses_an_overlapping_appointment(app, client, personas):
    when = tomorrow_at_ten()
    book(app, personas.alice.id, personas.theo.id, at=when)
    sign_in(app, client, personas.theo)
    response = post_form(client, "/appointments/new",
                         booking(personas.alice.id, when + timedelta(minutes=30)))
    assert "This overlaps another appointment" in response.get_data(as_text=True)
    assert len(appointments(app)) == 1


def test_it_allows_back_to_back_appointments(app, client, personas):
    when = tomorrow_at_ten()
    book(app, personas.alice.id, personas.theo.id, at=when, minutes=45)
    sign_in(app, client, personas.theo)
    response = post_form(client, "/appointments/new",
                         booking(personas.alice.id, when + timedelta(minutes=45)))
    assert response.status_code == 302 and len(appointments(app)) == 2


def test_it_refuses_a_missing_time_with_a_field_error(app, client, personas):
    sign_in(app, client, personas.theo)
    data = {**booking(personas.alice.id, tomorrow_at_ten()), "time": ""}
    response = post_form(client, "/appointments/new", data)
    assert "Enter the start time" in response.get_data(as_text=True)


def test_it_ignores_a_smuggled_therapist_id(app, client, personas):
    sign_in(app, client, personas.theo)
    data = {**booking(personas.alice.id, tomorrow_at_ten()), "therapist_id": personas.una.id}
    post_form(client, "/appointments/new", data)
    assert appointments(app)[0].therapist_id == personas.theo.id


# --- lists and details --------------------------------------------------------------------


def test_it_shows_the_patient_their_upcoming_appointments(app, client, personas):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    book(app, personas.bob.id, personas.una.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    page = client.get("/appointments").get_data(as_text=True)
    assert "Theo Thomsen" in page and "Una Ulriksen" not in page


def test_it_shows_the_therapist_their_upcoming_appointments(app, client, personas):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    book(app, personas.bob.id, personas.una.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    page = client.get("/appointments").get_data(as_text=True)
    assert "Alice Andersen" in page and "Bob Berg" not in page


def test_it_audits_each_listed_appointment(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    client.get("/appointments")
    with app.app_context():
        [row] = audited_lines("appointment_row")
    assert row.resource_id == str(booked.id) and row.patient_id == personas.alice.id


def test_it_lists_a_past_appointment_under_earlier(app, client, personas):
    book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(days=2))
    sign_in(app, client, personas.alice)
    page = client.get("/appointments").get_data(as_text=True)
    assert "Earlier" in page and "Did not attend" in page


def test_it_shows_the_patients_next_appointment_on_the_home_page(app, client, personas):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    page = client.get("/home").get_data(as_text=True)
    assert "Your next video appointment" in page and "Test your camera" in page


def test_it_lets_the_patient_into_the_waiting_room_from_the_home_page(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(minutes=5))
    sign_in(app, client, personas.alice)
    assert f"/video/{booked.room_id}" in client.get("/home").get_data(as_text=True)


def test_it_hides_the_way_in_until_the_room_opens(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=3))
    sign_in(app, client, personas.alice)
    page = client.get(f"/appointments/{booked.id}").get_data(as_text=True)
    assert parsed(page).select_one(".video-join-open").has_attr("hidden")
    assert "The waiting room opens at" in page


def test_it_hides_another_patients_appointment(app, client, personas):
    booked = book(app, personas.bob.id, personas.una.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    assert client.get(f"/appointments/{booked.id}").status_code == 404
    [row] = audit_rows(app, outcome=Outcome.DENIED)
    assert row.resource_type == "appointment" and row.patient_id == personas.bob.id


# --- moving and cancelling ------------------------------------------------------------------


def test_it_moves_an_appointment_and_raises_the_sequence(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    later = tomorrow_at_ten() + timedelta(days=3)
    response = post_form(client, f"/appointments/{booked.id}/edit",
                         {**local_fields(later), "duration": 30})
    assert response.status_code == 302
    moved = load(app, booked.id)
    assert moved.starts_at == later and moved.duration_minutes == 30 and moved.sequence == 1


def test_it_prefills_the_move_form_in_local_time(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    page = client.get(f"/appointments/{booked.id}/edit").get_data(as_text=True)
    assert local_fields(booked.starts_at)["time"] in page


def test_it_does_not_move_an_appointment_that_has_begun(app, client, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id)
    room_api(personas.alice, booked.room_id).join()
    sign_in(app, client, personas.theo)
    response = client.get(f"/appointments/{booked.id}/edit")
    assert response.status_code == 302 and load(app, booked.id).sequence == 0


def test_it_cancels_and_raises_the_sequence(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    post_form(client, f"/appointments/{booked.id}/cancel")
    cancelled = load(app, booked.id)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1


def test_it_lets_only_the_appointments_therapist_cancel(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.una)
    assert client.get(f"/appointments/{booked.id}/cancel").status_code == 404
    sign_in(app, client, personas.alice)
    assert client.get(f"/appointments/{booked.id}/cancel").status_code == 404


def test_it_does_not_cancel_without_the_csrf_token(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    assert client.post(f"/appointments/{booked.id}/cancel").status_code == 400
    assert load(app, booked.id).status == "scheduled"


# --- the invitation -----------------------------------------------------------------------------


def ics(client, appointment_id: int):
    response = client.get(f"/appointments/{appointment_id}/invitation.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    return response, calendar, calendar.walk("VEVENT")[0]


def test_it_offers_the_invitation_as_a_calendar_download(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    response, calendar, event = ics(client, booked.id)
    assert response.mimetype == "text/calendar" and "attachment" in response.headers[
        "Content-Disposition"]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == booked.starts_at


def test_it_gives_the_invitation_a_neutral_title(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    _response, _calendar, event = ics(client, booked.id)
    assert str(event["SUMMARY"]) == "Video appointment"
    text = _response.get_data(as_text=True).lower()
    for word in ("depress", "anxiety", "angst", "psych", "mental", "therapy", "phq", "gad"):
        assert word not in text


def test_it_keeps_the_uid_when_the_appointment_moves(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    _r, _c, before = ics(client, booked.id)
    post_form(client, f"/appointments/{booked.id}/edit",
              {**local_fields(tomorrow_at_ten() + timedelta(days=2)), "duration": 45})
    _r, _c, after = ics(client, booked.id)
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_it_turns_the_invitation_into_a_cancellation(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.theo)
    post_form(client, f"/appointments/{booked.id}/cancel")
    response, calendar, event = ics(client, booked.id)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1 and "method=CANCEL" in response.headers["Content-Type"]


def test_it_audits_the_invitation_download_as_an_export(app, client, personas):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=1))
    sign_in(app, client, personas.alice)
    ics(client, booked.id)
    rows = audit_rows(app, resource_type="appointment", action=Action.EXPORT)
    assert [r.resource_id for r in rows] == [str(booked.id)]


def test_it_describes_a_held_call_with_its_length(app, personas):
    from video import operations
    from video.views import describe

    booked = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(hours=3))
    with app.test_request_context():
        appointment = db.session.get(Appointment, booked.id)
        start = appointment.starts_at
        operations.enter(appointment, "therapist", start)
        operations.enter(appointment, "patient", start)
        operations.admit(appointment, start)
        operations.connected(appointment, start)
        operations.hang_up(appointment, "patient", start + timedelta(minutes=38))
        assert describe(appointment) == "Held, 38 minutes"


def test_it_describes_an_unattended_appointment_before_the_sweep(app, personas):
    from video.views import describe

    booked = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(hours=3))
    with app.test_request_context():
        assert describe(db.session.get(Appointment, booked.id)) == "Did not attend"
