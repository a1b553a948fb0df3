"""Room writes with explicit clocks: presence, expiry, and the treatment contact a call leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.caseload.models import TreatmentContact
from app.db import db
from tests.video.conftest import book
from video import operations
from video.models import Appointment
from video.room import RoomTransitionError


@pytest.fixture
def room(app, personas):
    """(appointment, start) inside an app context, for driving the room by hand."""
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=2))
    with app.app_context():
        appointment = db.session.get(Appointment, booked.id)
        yield appointment, appointment.starts_at


def contacts() -> list[TreatmentContact]:
    return list(db.session.execute(db.select(TreatmentContact)).scalars())


def hold(appointment, start, minutes: float) -> None:
    operations.enter(appointment, "therapist", start - timedelta(minutes=3))
    operations.enter(appointment, "patient", start)
    operations.admit(appointment, start + timedelta(minutes=1))
    operations.connected(appointment, start + timedelta(minutes=1))
    operations.hang_up(appointment, "therapist", start + timedelta(minutes=1 + minutes))


def test_it_records_the_call_as_a_treatment_contact(room, personas):
    appointment, start = room
    hold(appointment, start, 47.4)
    [contact] = contacts()
    assert (contact.kind, contact.duration_minutes) == ("video", 47)
    assert (contact.patient_id, contact.therapist_id) == (personas.alice.id, personas.theo.id)
    assert contact.source_id == str(appointment.id)
    assert contact.occurred_at == start + timedelta(minutes=1)


def test_it_counts_only_connected_time_across_a_reconnect(room):
    appointment, start = room
    operations.enter(appointment, "therapist", start)
    operations.enter(appointment, "patient", start)
    operations.admit(appointment, start)
    operations.connected(appointment, start)
    operations.leave(appointment, "patient", start + timedelta(minutes=20))
    operations.enter(appointment, "patient", start + timedelta(minutes=25))
    operations.connected(appointment, start + timedelta(minutes=26))
    operations.hang_up(appointment, "patient", start + timedelta(minutes=46))
    assert contacts()[0].duration_minutes == 40
    assert appointment.reconnects == 1


def test_it_counts_a_reload_whose_new_tab_arrives_before_the_old_tab_leaves(room):
    appointment, start = room
    operations.enter(appointment, "therapist", start)
    old_tab = operations.enter(appointment, "patient", start)
    operations.admit(appointment, start)
    operations.connected(appointment, start)
    new_tab = operations.enter(appointment, "patient", start + timedelta(minutes=20))
    assert new_tab != old_tab and appointment.status == "admitted"  # media is re-established
    operations.connected(appointment, start + timedelta(minutes=21))
    operations.hang_up(appointment, "patient", start + timedelta(minutes=41))
    assert contacts()[0].duration_minutes == 40
    assert appointment.reconnects == 1


def test_it_records_no_contact_for_a_call_that_never_connected(room):
    appointment, start = room
    operations.enter(appointment, "therapist", start)
    operations.enter(appointment, "patient", start)
    operations.admit(appointment, start)
    operations.hang_up(appointment, "therapist", start + timedelta(minutes=5))
    assert appointment.status == "ended" and contacts() == []


def test_it_counts_a_short_call_as_one_minute(room):
    appointment, start = room
    hold(appointment, start, 0.2)
    assert contacts()[0].duration_minutes == 1


def test_it_drops_a_participant_who_stopped_polling(room):
    appointment, start = room
    operations.enter(appointment, "patient", start)
    operations.upkeep(appointment, start + operations.STALE_AFTER + timedelta(seconds=1))
    assert not appointment.patient_present
    assert appointment.patient_session is not None  # a returning tab may resume


def test_it_keeps_a_participant_who_polls(room):
    appointment, start = room
    operations.enter(appointment, "patient", start)
    operations.seen(appointment, "patient", start + timedelta(seconds=30))
    operations.upkeep(appointment, start + timedelta(seconds=60))
    assert appointment.patient_present


def test_it_resumes_a_dropped_tab_that_polls_again(room):
    appointment, start = room
    operations.enter(appointment, "patient", start)
    later = start + timedelta(minutes=2)
    operations.upkeep(appointment, later)
    operations.resume(appointment, "patient", later)
    assert appointment.patient_present and appointment.status == "waiting"


def test_it_ends_a_call_whose_participants_vanished_after_the_window(room):
    appointment, start = room
    hold_open = start + timedelta(minutes=1)
    operations.enter(appointment, "therapist", start)
    operations.enter(appointment, "patient", start)
    operations.admit(appointment, hold_open)
    operations.connected(appointment, hold_open)
    closes = start + timedelta(minutes=45 + 30)
    operations.upkeep(appointment, closes + timedelta(minutes=5))
    assert appointment.status == "ended" and appointment.ended_by in ("patient", "therapist")
    assert len(contacts()) == 1


def test_it_records_a_no_show(room):
    appointment, start = room
    operations.upkeep(appointment, start + timedelta(minutes=76))
    assert appointment.status == "no_show" and contacts() == []


def test_it_ends_an_unanswered_waiting_room_without_a_no_show(room):
    appointment, start = room
    operations.enter(appointment, "patient", start)
    operations.seen(appointment, "patient", start + timedelta(minutes=74, seconds=50))
    operations.upkeep(appointment, start + timedelta(minutes=75))
    assert appointment.status == "ended" and appointment.ended_by == "system"


def test_it_sweeps_every_due_room(app, personas):
    past = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(hours=3))
    future = book(app, personas.bob.id, personas.una.id, starts_in=timedelta(hours=3))
    with app.app_context():
        from app.db import utcnow

        assert operations.expire_due(utcnow()) == 1
        assert db.session.get(Appointment, past.id).status == "no_show"
        assert db.session.get(Appointment, future.id).status == "scheduled"


def test_it_refuses_to_book_outside_the_caseload(app, personas):
    from app.accounts.models import User
    from app.db import utcnow

    with app.app_context(), pytest.raises(operations.NotOnCaseload):
        operations.book(therapist=db.session.get(User, personas.theo.id),
                        patient=db.session.get(User, personas.bob.id),
                        starts_at=utcnow(), duration_minutes=45,
                        by=db.session.get(User, personas.theo.id))


def test_it_refuses_to_cancel_a_call_in_progress(room):
    appointment, start = room
    operations.enter(appointment, "therapist", start)
    operations.enter(appointment, "patient", start)
    operations.admit(appointment, start)
    with pytest.raises(RoomTransitionError):
        operations.cancel(appointment, now=start)


def test_it_refuses_to_move_an_appointment_after_its_window(room):
    appointment, start = room
    with pytest.raises(operations.NotChangeable):
        operations.reschedule(appointment, starts_at=start + timedelta(days=1),
                              duration_minutes=45, now=start + timedelta(hours=2))
