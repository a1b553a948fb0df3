"""Video consultations' pages: appointments, the therapist's "today" panel, the call page
and the pre-call test. The call's JSON endpoints are in ``video.api``, on the same blueprint.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import dates
from app.accounts.forms import ConfirmForm
from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_denied
from app.caseload.loaders import get_record_for_user, patients_of
from app.db import db, utcnow
from app.security import media_allowed, patient_page, roles_required
from video import access, operations, room
from video.blueprint import bp
from video.forms import AppointmentForm, RescheduleForm
from video.ice import precall_ice_servers
from video.ics import Invitation, invitation_ics
from video.loaders import WITH_PEOPLE, participant
from video.models import Appointment
from video.presenters import clock as _clock
from video.presenters import room_state
from video.room import RoomTransitionError, Status

MAX_DAYS_AHEAD = 366

STATUS_LABELS = {
    Status.SCHEDULED: _l("Booked"),
    Status.WAITING: _l("In the waiting room"),
    Status.ADMITTED: _l("Admitted"),
    Status.IN_CALL: _l("In the call"),
    Status.ENDED: _l("Ended"),
    Status.CANCELLED: _l("Cancelled"),
    Status.NO_SHOW: _l("Did not attend"),
}


def describe(appointment: Appointment, now: datetime | None = None) -> str:
    """The appointment's status in a few plain words, as lists and panels show it."""
    now = now or utcnow()
    state = appointment.room_state
    closed = now >= room.window(appointment.slot)[1]
    if room.is_no_show(appointment.slot, state, now):
        return _("Did not attend")
    if state.status is Status.ENDED or (closed and state.status is not Status.IN_CALL
                                        and not state.is_terminal):
        if state.connected_at is None:
            return _("Not held")
        minutes = max(1, round(room.call_duration(state).total_seconds() / 60))
        return _("Held, %(minutes)s minutes", minutes=minutes)
    return str(STATUS_LABELS[state.status])



# --- helpers -----------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local_start(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_zone()).astimezone(ZoneInfo("UTC"))



# --- appointments --------------------------------------------------------------------------------


@patient_page(bp, "/appointments", Role.PATIENT, Role.THERAPIST)
def appointments():
    now = utcnow()
    upcoming = access.on_caseload(operations.upcoming_for(current_user, now), current_user)
    past = access.on_caseload(operations.past_for(current_user, now), current_user)
    operations.audit_rows(upcoming + past)
    return render_template("video/appointments.html", upcoming=upcoming, past=past, now=now,
                           labels=STATUS_LABELS)


def _caseload_choices() -> list[SelectChoice]:
    return [SelectChoice(p.id, p.name) for p in patients_of(current_user)]


def _checked_start(form: AppointmentForm, *, patient_id: int, therapist_id: int,
                   ignore_id: int | None = None) -> datetime | None:
    """The start in UTC if the form's time is bookable; otherwise None with field errors."""
    starts_at = _local_start(form.date.data, form.time.data)
    now = utcnow()
    if starts_at <= now:
        form.time.errors.append(_("Choose a time in the future."))
        return None
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        form.date.errors.append(_("Choose a date within the next year."))
        return None
    clash = operations.conflicting(therapist_id=therapist_id, patient_id=patient_id,
                                   starts_at=starts_at, duration_minutes=form.duration.data,
                                   ignore_id=ignore_id)
    if clash is not None:
        form.time.errors.append(_("This overlaps another appointment (%(start)s to %(end)s).",
                                  start=dates.text(clash.starts_at),
                                  end=_clock(clash.ends_at)))
        return None
    return starts_at


@patient_page(bp, "/appointments/new", Role.THERAPIST, methods=["GET", "POST"])
def new_appointment():
    form = AppointmentForm()
    form.patient_id.choices = _caseload_choices()
    if form.validate_on_submit():
        patient = db.session.get(User, form.patient_id.data)
        starts_at = _checked_start(form, patient_id=patient.id, therapist_id=current_user.id)
        if starts_at is not None:
            appointment = operations.book(therapist=current_user, patient=patient,
                                          starts_at=starts_at,
                                          duration_minutes=form.duration.data, by=current_user)
            flash(_("The video appointment is booked. The patient can see it in Stepcare."),
                  "success")
            return redirect(url_for(".appointment", appointment_id=appointment.id))
    return render_template("video/appointment_form.html", form=form, appointment=None)


def _own_appointment(appointment_id: int, action: Action = Action.READ) -> Appointment:
    """One of the current user's appointments (the scoped loader, then participation)."""
    appointment = get_record_for_user(Appointment, appointment_id, resource_type="appointment",
                                      action=action, options=WITH_PEOPLE)
    if appointment.role_of(current_user.id) is None:
        record_denied("appointment", appointment_id, patient_id=appointment.patient_id,
                      action=action)
        abort(404)
    return appointment


def _therapists_appointment(appointment_id: int, action: Action) -> Appointment:
    if request.method == "POST":
        # Room writes lock the row and then audit; so must this, in that order (PostgreSQL
        # would otherwise find a deadlock between a cancel and a join).
        operations.lock_appointment(appointment_id)
    appointment = _own_appointment(appointment_id, action)
    if appointment.therapist_id != current_user.id:
        record_denied("appointment", appointment_id, patient_id=appointment.patient_id,
                      action=action)
        abort(404)
    return appointment


@patient_page(bp, "/appointments/<int:appointment_id>", Role.PATIENT, Role.THERAPIST)
def appointment(appointment_id: int):
    appointment = _own_appointment(appointment_id)
    now = utcnow()
    opens_at, closes_at = room.window(appointment.slot)
    state = appointment.room_state
    return render_template(
        "video/appointment.html",
        appointment=appointment,
        now=now,
        labels=STATUS_LABELS,
        opens_at=opens_at,
        closes_at=closes_at,
        can_join=operations.may_enter(appointment, _role(appointment), now)
        or appointment.status == Status.IN_CALL,
        joinable=not state.is_terminal and now < closes_at,
        changeable=appointment.status == Status.SCHEDULED and now < closes_at
        and appointment.therapist_id == current_user.id,
        lateness=room.lateness_minutes(appointment.slot, state),
        is_no_show=room.is_no_show(appointment.slot, state, now),
        call_minutes=round(state.call_time.total_seconds() / 60)
        if appointment.status == Status.ENDED else None,
    )


def _role(appointment: Appointment) -> str:
    role = appointment.role_of(current_user.id)
    assert role is not None  # _own_appointment checked it
    return role


@patient_page(bp, "/appointments/<int:appointment_id>/edit", Role.THERAPIST,
              methods=["GET", "POST"])
def reschedule(appointment_id: int):
    appointment = _therapists_appointment(appointment_id, Action.UPDATE)
    now = utcnow()
    if appointment.status != Status.SCHEDULED or now >= room.window(appointment.slot)[1]:
        flash(_("This appointment has started or is over, so it cannot be moved."), "warning")
        return redirect(url_for(".appointment", appointment_id=appointment.id))
    form = RescheduleForm()
    if not form.is_submitted():
        local = appointment.starts_at.astimezone(_zone())
        form.date.data, form.time.data = local.date(), local.time().replace(second=0)
        form.duration.data = appointment.duration_minutes
    if form.validate_on_submit():
        starts_at = _checked_start(form, patient_id=appointment.patient_id,
                                   therapist_id=appointment.therapist_id,
                                   ignore_id=appointment.id)
        if starts_at is not None:
            operations.reschedule(appointment, starts_at=starts_at,
                                  duration_minutes=form.duration.data, now=now)
            flash(_("The appointment is moved. Send the patient the updated invitation."),
                  "success")
            return redirect(url_for(".appointment", appointment_id=appointment.id))
    return render_template("video/appointment_form.html", form=form, appointment=appointment)


@patient_page(bp, "/appointments/<int:appointment_id>/cancel", Role.THERAPIST,
              methods=["GET", "POST"])
def cancel(appointment_id: int):
    appointment = _therapists_appointment(appointment_id, Action.UPDATE)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.cancel(appointment, now=utcnow())
        except RoomTransitionError:
            db.session.rollback()
            flash(_("This appointment has started or is over, so it cannot be cancelled."),
                  "warning")
        else:
            flash(_("The appointment is cancelled."), "success")
        return redirect(url_for(".appointment", appointment_id=appointment_id))
    return render_template("video/cancel.html", appointment=appointment, form=form)


@patient_page(bp, "/appointments/<int:appointment_id>/invitation.ics", Role.PATIENT, Role.THERAPIST,
              )
def invitation(appointment_id: int):
    appointment = _own_appointment(appointment_id, Action.EXPORT)
    body = invitation_ics(_invitation(appointment), utcnow())
    method = "CANCEL" if appointment.status == Status.CANCELLED else "REQUEST"
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = f"text/calendar; charset=utf-8; method={method}"
    response.headers["Content-Disposition"] = 'attachment; filename="stepcare-appointment.ics"'
    return response


def _invitation(appointment: Appointment) -> Invitation:
    url = url_for(".appointment", appointment_id=appointment.id, _external=True)
    return Invitation(
        uid=appointment.ics_uid,
        sequence=appointment.sequence,
        starts_at=appointment.starts_at,
        duration_minutes=appointment.duration_minutes,
        # Neutral on purpose: calendars are shared and shown on lock screens.
        title=_("Video appointment"),
        description=_("Sign in to Stepcare and open the appointment to join: %(url)s", url=url),
        url=url,
        organizer_name=appointment.therapist.name,
        organizer_email=appointment.therapist.email,
        attendee_name=appointment.patient.name,
        attendee_email=appointment.patient.email,
        cancelled=appointment.status == Status.CANCELLED,
        reminder_text=_("Video appointment in 15 minutes"),
    )


# --- the therapist's "today" panel ----------------------------------------------------------


def today_for(therapist: User, now: datetime | None = None) -> list[dict]:
    """Today's video appointments of a therapist, for the caseload page (audited as read)."""
    now = now or utcnow()
    local_day = now.astimezone(_zone()).date()
    start = _local_start(local_day, time(0))
    end = _local_start(local_day + timedelta(days=1), time(0))
    rows = access.on_caseload(operations.between(therapist, start, end), therapist)
    operations.audit_rows(rows, "appointment_today_row")
    return [_today_row(a, now) for a in rows]


def _today_row(appointment: Appointment, now: datetime) -> dict:
    state = appointment.room_state
    waiting = appointment.patient_present and appointment.status in (Status.WAITING,
                                                                     Status.ADMITTED)
    return {
        "appointment": appointment,
        "label": STATUS_LABELS[state.status],
        "waiting_since": _clock(appointment.patient_arrived_at) if waiting else None,
        "lateness": room.lateness_minutes(appointment.slot, state),
        "no_show": room.is_no_show(appointment.slot, state, now),
        "open": operations.may_enter(appointment, "therapist", now)
        or appointment.status == Status.IN_CALL,
    }


@patient_page(bp, "/video/today", Role.THERAPIST)
def today_panel():
    """The panel alone, which the caseload page reloads every few seconds (today.js asks with
    ``X-Stepcare-Fragment``); opened directly, a whole page with a title and a heading."""
    ctx = {"rows": today_for(current_user)}
    if request.headers.get(FRAGMENT_HEADER):
        response = make_response(render_template("video/_today_panel.html", ctx=ctx,
                                                 fragment=True))
    else:
        response = make_response(render_template("video/today.html", ctx=ctx))
    response.vary.add(FRAGMENT_HEADER)
    return response


#: The header today.js sends to get the panel without the page around it.
FRAGMENT_HEADER = "X-Stepcare-Fragment"


# --- the call page and the pre-call test ---------------------------------------------------

@patient_page(bp, "/video/<room_id>", Role.PATIENT, Role.THERAPIST)
@media_allowed
def call(room_id: str):
    appointment, role = participant(room_id, lock=False, people=True)
    record(Action.READ, "video_room", appointment.id, patient_id=appointment.patient_id)
    return render_template("video/call.html", appointment=appointment, role=role,
                           state=room_state(appointment, role))



@bp.route("/video/test")
@roles_required(Role.PATIENT, Role.THERAPIST)
@media_allowed
def precall_test():
    return render_template("video/test.html", ice_servers=precall_ice_servers())

