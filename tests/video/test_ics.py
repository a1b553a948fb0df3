"""The calendar invitation (pure): neutral title, stable UID, SEQUENCE, CANCEL."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from video.ics import Invitation, invitation_ics

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)


def invitation(**changes) -> Invitation:
    fields = dict(uid="3f1c@stepcare", sequence=0, starts_at=START, duration_minutes=45,
                  title="Video appointment", description="Sign in to join: https://x/a/1",
                  url="https://x/appointments/1", organizer_name="Theo Thomsen",
                  organizer_email="theo@example.com", attendee_name="Alice Andersen",
                  attendee_email="alice@example.com", reminder_text="In 15 minutes")
    return Invitation(**{**fields, **changes})


def parsed(inv: Invitation):
    calendar = Calendar.from_ical(invitation_ics(inv, NOW))
    return calendar, calendar.walk("VEVENT")[0]


def test_it_sends_a_request_with_the_appointments_time_in_utc():
    calendar, event = parsed(invitation())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=45)


def test_it_keeps_the_uid_and_carries_the_sequence():
    _calendar, event = parsed(invitation(sequence=3))
    assert str(event["UID"]) == "3f1c@stepcare"
    assert int(event["SEQUENCE"]) == 3


def test_it_cancels_with_method_cancel_and_status_cancelled():
    calendar, event = parsed(invitation(sequence=1, cancelled=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert not event.walk("VALARM")


def test_it_confirms_and_reminds_before_an_active_appointment():
    _calendar, event = parsed(invitation())
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.walk("VALARM")[0].decoded("TRIGGER") == -timedelta(minutes=15)


def test_it_uses_the_given_neutral_title():
    _calendar, event = parsed(invitation())
    assert str(event["SUMMARY"]) == "Video appointment"


def test_it_converts_a_local_start_to_utc():
    local = START.astimezone(timezone(timedelta(hours=1)))
    _calendar, event = parsed(invitation(starts_at=local))
    assert event.decoded("DTSTART") == START


def test_it_refuses_naive_times():
    with pytest.raises(ValueError):
        invitation_ics(invitation(starts_at=START.replace(tzinfo=None)), NOW)


def test_it_refuses_a_negative_sequence():
    with pytest.raises(ValueError):
        invitation_ics(invitation(sequence=-1), NOW)
