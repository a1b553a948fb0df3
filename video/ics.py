"""Calendar invitations (RFC 5545 / iTIP) for video appointments. Pure: no Flask, no database.

One appointment keeps one ``UID`` for life. Calendar programs match updates
by it and apply the one with the highest ``SEQUENCE``; a cancellation is the
same event with ``METHOD:CANCEL`` and ``STATUS:CANCELLED``.

The title must stay neutral: a calendar is often shared or shown on a lock
screen, so it never names a diagnosis, a clinic for mental health or a
programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

__all__ = ["PRODID", "Invitation", "invitation_ics"]

PRODID = "-//Stepcare//Video appointments//EN"
REMINDER_MINUTES = 15


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    starts_at: datetime
    duration_minutes: int
    title: str
    description: str
    url: str
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    cancelled: bool = False
    reminder_text: str = ""


def _address(name: str, email: str, *, attendee: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    if attendee:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("ACCEPTED")
    return address


def _alarm(text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", timedelta(minutes=-REMINDER_MINUTES))
    return alarm


def _event(inv: Invitation, now: datetime) -> Event:
    start = inv.starts_at.astimezone(UTC)
    event = Event()
    event.add("uid", inv.uid)
    event.add("sequence", inv.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=inv.duration_minutes))
    event.add("summary", inv.title)
    event.add("description", inv.description)
    event.add("location", inv.url)
    event.add("url", inv.url)
    event.add("organizer", _address(inv.organizer_name, inv.organizer_email, attendee=False))
    event.add("attendee", _address(inv.attendee_name, inv.attendee_email, attendee=True))
    event.add("status", "CANCELLED" if inv.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if not inv.cancelled and inv.reminder_text:
        event.add_component(_alarm(inv.reminder_text))
    return event


def invitation_ics(inv: Invitation, now: datetime) -> bytes:
    """The ``.ics`` file: ``METHOD:REQUEST``, or ``METHOD:CANCEL`` once cancelled."""
    if inv.starts_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("starts_at and now must be timezone-aware")
    if inv.sequence < 0:
        raise ValueError("sequence must be >= 0")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if inv.cancelled else "REQUEST")
    calendar.add_component(_event(inv, now))
    return calendar.to_ical()
