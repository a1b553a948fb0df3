"""Video consultations: appointments, the waiting room, the call's signalling and the pre-call test.

Signalling is POST plus long polling (see ``poll``): every message and every
wait is an ordinary authenticated, CSRF-checked request, and the room's state
lives in the database, so any worker can serve any request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from app.accounts import sessions
from app.accounts.forms import ConfirmForm
from app.accounts.guards import setting_limit
from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_denied
from app.caseload.loaders import get_record_for_user, patients_of
from app.db import db, utcnow
from app.extensions import limiter
from app.security import media_allowed, patient_data, roles_required
from video import access, media, notify, operations, room, turn
from video.forms import AppointmentForm, RescheduleForm
from video.ics import Invitation, invitation_ics
from video.models import Appointment
from video.room import RoomTransitionError, Status
from video.sdp import (
    MAX_JSON_DEPTH,
    MAX_SDP_BYTES,
    SignalError,
    json_depth,
    loopback_only,
    parse_networks,
    public_candidates_only,
    validate_signal,
)

bp = Blueprint("video", __name__, template_folder="templates", static_folder="static",
               static_url_path="/video/static")

POLL_WAIT_DEFAULT = 15.0
POLL_WAIT_MAX = 25.0  # under every common proxy's 30-60 s read timeout
MAX_SIGNAL_BODY = MAX_SDP_BYTES + 4096
MAX_SMALL_BODY = 4096
MAX_DAYS_AHEAD = 366
TOKEN_MAX = 32

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


class BadRequest(Exception):
    """Malformed or oversized JSON: answered 400, never a crash."""


# --- helpers -----------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _local_start(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_zone()).astimezone(ZoneInfo("UTC"))


def _clock(value: datetime | None) -> str | None:
    return format_datetime(value, "HH:mm") if value else None


def _error(status: int, reason: str, **extra):
    return jsonify(error=reason, **extra), status


def _json_body(max_bytes: int) -> dict:
    length = request.content_length
    if length is None or length > max_bytes:
        raise BadRequest("missing or too large")
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise BadRequest(f"nested more than {MAX_JSON_DEPTH} levels deep")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("not a JSON object")
    return data


def _token(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= TOKEN_MAX:
        raise BadRequest(f"{key} must be a short string")
    return value


def _int(data: dict, key: str, default: int | None = None, *, low: int = 0,
         high: int = 2**31) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest(f"{key} must be a whole number")
    return value


def _wait_seconds(data: dict) -> float:
    value = data.get("wait", POLL_WAIT_DEFAULT)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise BadRequest("wait must be a number")
    return max(0.0, min(float(value), POLL_WAIT_MAX))


def _ice_config(config=None) -> dict:
    config = config if config is not None else current_app.config
    return {
        "stun_urls": _split(config["STUN_URLS"]),
        "turn_urls": _split(config["TURN_URLS"]),
        "turn_secret": config["TURN_SECRET"],
        "turn_ttl": config["TURN_TTL"],
    }


def _split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _turn_ref(*parts: object) -> str:
    """An opaque, stable TURN username part: coturn logs it, so it must name nobody."""
    key = current_app.config["SECRET_KEY"].encode()
    message = ":".join(str(p) for p in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def _ice_servers_for(*parts: object) -> list[dict]:
    return turn.ice_servers(_ice_config(), _turn_ref(*parts))


# --- appointments --------------------------------------------------------------------------------


@bp.route("/appointments")
@roles_required(Role.PATIENT, Role.THERAPIST)
@patient_data
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
                                  start=format_datetime(clash.starts_at, "short"),
                                  end=_clock(clash.ends_at)))
        return None
    return starts_at


@bp.route("/appointments/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
@patient_data
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
                                      action=action)
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


@bp.route("/appointments/<int:appointment_id>")
@roles_required(Role.PATIENT, Role.THERAPIST)
@patient_data
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


@bp.route("/appointments/<int:appointment_id>/edit", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
@patient_data
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


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
@patient_data
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


@bp.route("/appointments/<int:appointment_id>/invitation.ics")
@roles_required(Role.PATIENT, Role.THERAPIST)
@patient_data
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


@bp.route("/video/today")
@roles_required(Role.THERAPIST)
@patient_data
def today_panel():
    """The panel alone, which the caseload page reloads every few seconds."""
    return render_template("video/_today_panel.html", ctx={"rows": today_for(current_user)},
                           fragment=True)


# --- the call ------------------------------------------------------------------------------------


def _window_allows(appointment: Appointment, now: datetime) -> bool:
    # A call in progress is never cut off by the clock (video.room): it may
    # keep signalling (ICE restarts) after the window has closed.
    return operations.is_open(appointment, now) or appointment.status == Status.IN_CALL


def _participant(room_id: str, *, action: Action = Action.READ, lock: bool = True,
                 role: str | None = None) -> tuple[Appointment, str]:
    """The room's appointment and the current user's part in it; otherwise 404 and a
    denied audit row (someone else's room, an unknown room, or outside its window)."""
    appointment = None
    if room.is_valid_room_id(room_id):
        if lock:
            appointment = operations.lock_room(room_id)
        else:
            appointment = db.session.execute(
                db.select(Appointment).where(Appointment.room_id == room_id)
            ).scalar_one_or_none()
    their_role = access.role_in(appointment, current_user.id) if appointment else None
    allowed = their_role is not None and (role is None or their_role == role)
    if not allowed or not _window_allows(appointment, utcnow()):
        record_denied("video_room", appointment.id if appointment else None,
                      patient_id=appointment.patient_id if appointment else None, action=action)
        abort(404)
    return appointment, their_role


def _state(appointment: Appointment, role: str) -> dict:
    """What a participant's page shows; the sentence is translated here, not in JS."""
    peer = operations.other(role)
    peer_present = getattr(appointment, f"{peer}_present")
    waiting = appointment.status == Status.WAITING and appointment.patient_present
    return {
        "status": appointment.status,
        "version": appointment.version,
        "role": role,
        "present": getattr(appointment, f"{role}_present"),
        "peer_present": peer_present,
        "peer_session": appointment.session_of(peer) if peer_present else None,
        "waiting_since": _clock(appointment.patient_arrived_at) if waiting else None,
        "can_admit": role == "therapist" and waiting and appointment.therapist_present,
        "live": appointment.status in (Status.ADMITTED, Status.IN_CALL),
        "finished": appointment.room_state.is_terminal,
        "message": _status_sentence(appointment, role, peer_present),
    }


def _status_sentence(appointment: Appointment, role: str, peer_present: bool) -> str:
    status = Status(appointment.status)
    patient = role == "patient"
    if status in (Status.SCHEDULED, Status.WAITING):
        if patient:
            return _("You are in the waiting room. Your therapist will let you in soon.")
        if appointment.patient_present:
            return _("%(name)s is waiting since %(time)s.", name=appointment.patient.name,
                     time=_clock(appointment.patient_arrived_at))
        return _("%(name)s has not arrived yet.", name=appointment.patient.name)
    if status in (Status.ADMITTED, Status.IN_CALL):
        if not peer_present:
            return (_("Your therapist has stepped out. Please stay on this page.") if patient
                    else _("%(name)s has left the call. They can come back until the "
                           "appointment's time is over.", name=appointment.patient.name))
        return _("You are in the call.") if status == Status.IN_CALL else _("Connecting…")
    if status == Status.CANCELLED:
        return _("This appointment was cancelled.")
    return _("The consultation has ended. You can close this page.")


@bp.route("/video/<room_id>")
@roles_required(Role.PATIENT, Role.THERAPIST)
@patient_data
@media_allowed
def call(room_id: str):
    appointment, role = _participant(room_id, lock=False)
    record(Action.READ, "video_room", appointment.id, patient_id=appointment.patient_id)
    return render_template("video/call.html", appointment=appointment, role=role,
                           state=_state(appointment, role))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    # Larger than any form Stepcare accepts (MAX_CONTENT_LENGTH): for signalling that is
    # simply a malformed message, answered like any other.
    if request.path.startswith("/video/"):
        return _error(400, "bad_request", detail="too large")
    return error


def _json_route(view):
    """JSON endpoints answer malformed input with 400 and a reason, never a crash."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except BadRequest as exc:
            return _error(400, "bad_request", detail=str(exc))
        except SignalError as exc:
            return _error(400, "bad_signal", detail=str(exc))
        except operations.StaleSession:
            return _error(409, "replaced")

    return wrapped


@bp.route("/video/<room_id>/join", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def join(room_id: str):
    _json_body(MAX_SMALL_BODY)
    appointment, role = _participant(room_id)
    now = utcnow()
    operations.upkeep(appointment, now)
    if not operations.may_enter(appointment, role, now):
        return _error(409, "closed", state=_state(appointment, role))
    session = operations.enter(appointment, role, now)
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(session=session, cursor=appointment.signal_seq,
                   state=_state(appointment, role))


@bp.route("/video/<room_id>/poll", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def poll(room_id: str):
    """Long polling: answers at once if anything is new for this tab, otherwise waits.

    While waiting, no transaction is open (SQLite's write lock and the
    connection pool stay free): the wait re-reads the room briefly when woken
    (``video.notify``) and at least every ``RECHECK_SECONDS``.
    """
    data = _json_body(MAX_SMALL_BODY)
    session, after = _token(data, "session"), _int(data, "after")
    version, wait = _int(data, "version"), _wait_seconds(data)
    appointment, role = _participant(room_id)
    operations.check_session(appointment, role, session)
    now = utcnow()
    operations.upkeep(appointment, now)
    operations.resume(appointment, role, now)
    quiet = appointment.version == version and not operations.messages_for(
        appointment, role, after)
    if quiet and wait > 0:
        appointment = _wait_then_reload(appointment, role, session, after, version, wait)
        now = utcnow()
        operations.upkeep(appointment, now)
        operations.resume(appointment, role, now)
    operations.seen(appointment, role, now)
    return jsonify(state=_state(appointment, role),
                   messages=operations.messages_for(appointment, role, after),
                   cursor=appointment.signal_seq)


def _wait_then_reload(appointment: Appointment, role: str, session: str, after: int,
                      version: int, wait: float) -> Appointment:
    appointment_id, room_id = appointment.id, appointment.room_id
    # Only the login session's "last seen" touch can be pending here; it is redone below.
    db.session.rollback()
    notify.listen_if_postgres(db.engine)
    operations.wait_for_news(appointment_id, room_id, role, session, after, version, wait)
    _touch_login_session()
    reloaded = operations.lock_room(room_id)
    operations.check_session(reloaded, role, session)
    return reloaded


def _touch_login_session() -> None:
    login = sessions.current()
    if login is not None and utcnow() - login.last_seen_at > sessions.TOUCH_INTERVAL:
        login.last_seen_at = utcnow()


@bp.route("/video/<room_id>/signal", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def signal(room_id: str):
    data = _json_body(MAX_SIGNAL_BODY)
    session, to_session = _token(data, "session"), _token(data, "to")
    message = validate_signal(data.get("message"))
    appointment, role = _participant(room_id)
    operations.check_session(appointment, role, session)
    try:
        seq = operations.post_signal(appointment, role, to_session, message,
                                     loopback=current_app.config["VIDEO_LOOPBACK_ONLY"])
    except RoomTransitionError:
        return _error(409, "not_admitted")
    except operations.TooManySignals:
        return _error(429, "too_many_signals")
    return jsonify(seq=seq, relayed=seq is not None)


@bp.route("/video/<room_id>/admit", methods=["POST"])
@roles_required(Role.THERAPIST)
@_json_route
def admit(room_id: str):
    data = _json_body(MAX_SMALL_BODY)
    appointment, role = _participant(room_id, action=Action.UPDATE, role="therapist")
    operations.check_session(appointment, role, _token(data, "session"))
    operations.upkeep(appointment, utcnow())
    try:
        operations.admit(appointment, utcnow())
    except RoomTransitionError:
        return _error(409, "not_waiting", state=_state(appointment, role))
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(state=_state(appointment, role))


@bp.route("/video/<room_id>/connected", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def connected(room_id: str):
    data = _json_body(MAX_SMALL_BODY)
    appointment, role = _participant(room_id)
    operations.check_session(appointment, role, _token(data, "session"))
    operations.connected(appointment, utcnow())
    return jsonify(state=_state(appointment, role))


@bp.route("/video/<room_id>/hang-up", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def hang_up(room_id: str):
    data = _json_body(MAX_SMALL_BODY)
    appointment, role = _participant(room_id, action=Action.UPDATE)
    operations.check_session(appointment, role, _token(data, "session"))
    try:
        operations.hang_up(appointment, role, utcnow())
    except RoomTransitionError:
        return _error(409, "not_in_call", state=_state(appointment, role))
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(state=_state(appointment, role))


@bp.route("/video/<room_id>/leave", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def leave(room_id: str):
    """Leaving the waiting room, or the page closing (``navigator.sendBeacon``, a form)."""
    if request.mimetype == "application/json":
        session = _token(_json_body(MAX_SMALL_BODY), "session")
    else:
        session = _token(request.form, "session") if request.form.get("session") else ""
    appointment, role = _participant(room_id, action=Action.UPDATE)
    if session and appointment.session_of(role) == session:
        operations.leave(appointment, role, utcnow())
        record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    # A tab that was already replaced leaves nothing behind: answered the same way.
    return jsonify(state=_state(appointment, role))


@bp.route("/video/<room_id>/ice-servers")
@roles_required(Role.PATIENT, Role.THERAPIST)
def ice_servers(room_id: str):
    """STUN and short-lived TURN credentials, for the appointment's two participants only."""
    appointment, role = _participant(room_id, lock=False)
    record(Action.READ, "video_ice_servers", appointment.id, patient_id=appointment.patient_id)
    config = _ice_config()
    return jsonify(iceServers=_ice_servers_for("appointment", appointment.id, role),
                   ttl=config["turn_ttl"] if config["turn_secret"] else None)


# --- the pre-call test -----------------------------------------------------------------------


def _precall_ice_servers() -> list[dict]:
    """STUN for everyone; TURN only for staff and for a patient whose appointment is within
    a day (audited as the issue of that appointment's credentials)."""
    config = _ice_config()
    if current_user.is_patient and config["turn_urls"]:
        appointment = access.relay_appointment(current_user, utcnow())
        if appointment is None:
            config = {**config, "turn_urls": []}
        else:
            record(Action.READ, "video_ice_servers", appointment.id,
                   patient_id=appointment.patient_id)
    return turn.ice_servers(config, _turn_ref("echo", current_user.id))


@bp.route("/video/test")
@roles_required(Role.PATIENT, Role.THERAPIST)
@media_allowed
def precall_test():
    return render_template("video/test.html", ice_servers=_precall_ice_servers())


def _echo_limit_key() -> str:
    return f"video-echo|{current_user.get_id() or request.remote_addr}"


def _echo_offer(sdp: str) -> str:
    """In production the server's peer must not be aimed at the clinic's own network
    (blind UDP to loopback, private, link-local or multicast addresses): those
    candidates are dropped, unless VIDEO_ECHO_ALLOWED_NETWORKS names their range."""
    config = current_app.config
    if config["ENV"] != "production":
        return sdp  # development and tests run the echo on loopback
    return public_candidates_only(sdp, parse_networks(config["VIDEO_ECHO_ALLOWED_NETWORKS"]))


@bp.errorhandler(429)
def _too_many(error):
    if request.path.startswith("/video/"):
        return _error(429, "too_many", detail=_(
            "You have started the test many times in a short while. Please wait a few "
            "minutes, then try again."))
    return error


@bp.route("/video/test/echo", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
@limiter.limit(setting_limit("VIDEO_ECHO_LIMIT"), key_func=_echo_limit_key, scope="video-echo")
@_json_route
def echo():
    """Answer the test page's offer with a server-side peer that sends the media back."""
    message = validate_signal(_json_body(MAX_SIGNAL_BODY))
    if message["type"] != "offer":
        raise BadRequest("expected an offer")
    config = current_app.config
    request_ = media.EchoRequest(
        owner=str(current_user.id),
        offer_sdp=_echo_offer(message["sdp"]),
        ice_servers=_precall_ice_servers(),
        max_sessions=config["VIDEO_ECHO_MAX_SESSIONS"],
        filter_sdp=loopback_only if config["VIDEO_LOOPBACK_ONLY"] else None,
    )
    try:
        answer = media.echo_answer(request_)
    except media.EchoBusy:
        return _error(503, "busy")
    except TimeoutError:
        return _error(504, "timeout")
    except media.EchoRefused as exc:
        raise BadRequest(str(exc)) from None
    return jsonify(type="answer", sdp=answer)
