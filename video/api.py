"""The call API: the room's JSON endpoints (join, poll, signal, admit, connected, hang-up,
leave, ICE servers) and the pre-call test's echo.

Signalling is POST plus long polling (see ``poll``): every message and every wait is an
ordinary authenticated, CSRF-checked request (the token in the ``X-CSRFToken`` header),
and the room's state lives in the database, so any worker can serve any request.

Bodies are validated by the models in ``video.schemas``, which ``@operation`` also puts in
the OpenAPI document (``/api/openapi.json``). Size and nesting are checked before the body
is parsed; malformed input is answered 400 with a reason, never a crash.
"""

from __future__ import annotations

import functools

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.accounts import sessions
from app.accounts.guards import setting_limit
from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import record
from app.db import db, utcnow
from app.extensions import limiter
from app.openapi import FORM, JSON, BodyError, Model, Problem, operation, parse_body
from app.security import roles_required
from video import media, notify, operations, signalling
from video import schemas as s
from video.blueprint import bp
from video.ice import ice_config, ice_servers_for, precall_ice_servers
from video.loaders import participant
from video.models import Appointment
from video.presenters import room_state
from video.room import RoomTransitionError
from video.sdp import (
    MAX_JSON_DEPTH,
    MAX_SDP_BYTES,
    SignalError,
    candidates_within,
    json_depth,
    parse_networks,
    public_candidates_only,
)

MAX_SIGNAL_BODY = MAX_SDP_BYTES + 4096
MAX_SMALL_BODY = 4096

REPLACED = {409: (s.Conflict, "replaced: another tab of this user took the room over.")}
STATE = {200: (s.StateAnswer, "The room's state.")}


class BadRequest(Exception):
    """Malformed or oversized JSON: answered 400, never a crash."""


def _error(status: int, reason: str, **extra):
    return jsonify(error=reason, **extra), status


def _json_body(max_bytes: int) -> object:
    """The decoded body, once its size and its nesting are known to be safe to parse."""
    length = request.content_length
    if length is None or length > max_bytes:
        raise BadRequest("missing or too large")
    if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise BadRequest(f"nested more than {MAX_JSON_DEPTH} levels deep")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("not a JSON object")
    return data


def _body(model: type[Model], max_bytes: int = MAX_SMALL_BODY) -> Model:
    """The request's JSON body as ``model``; a signalling message's own error stays one."""
    data = _json_body(max_bytes)
    try:
        return parse_body(model, data)
    except BodyError as exc:
        if isinstance(exc.error, SignalError):
            raise exc.error from None
        raise BadRequest(str(exc)) from None


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    # Larger than any form Stepcare accepts (MAX_CONTENT_LENGTH): for signalling that is
    # simply a malformed message, answered like any other.
    if request.path.startswith("/video/"):
        return _error(400, "bad_request", detail="too large")
    return error


@bp.errorhandler(429)
def _too_many(error):
    if request.path.startswith("/video/"):
        return _error(429, "too_many", detail=_(
            "You have started the test many times in a short while. Please wait a few "
            "minutes, then try again."))
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


# --- the room ------------------------------------------------------------------------------------


@bp.route("/video/<room_id>/join", methods=["POST"])
@operation("Enter the room (the waiting room, or the call once admitted).", body=s.JoinBody,
           responses={200: (s.JoinAnswer, "This tab's token, the message cursor, the state."),
                      409: (s.Conflict, "closed: the room is not open to this participant.")})
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def join(room_id: str):
    _body(s.JoinBody)
    appointment, role = participant(room_id)
    now = utcnow()
    operations.upkeep(appointment, now)
    if not operations.may_enter(appointment, role, now):
        return _error(409, "closed", state=room_state(appointment, role))
    session = operations.enter(appointment, role, now)
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(session=session, cursor=appointment.signal_seq,
                   state=room_state(appointment, role))


@bp.route("/video/<room_id>/poll", methods=["POST"])
@operation("Wait for news: the state and the messages after the cursor.", body=s.PollBody,
           responses={200: (s.PollAnswer, "The state and new messages."), **REPLACED})
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def poll(room_id: str):
    """Long polling: answers at once if anything is new for this tab, otherwise waits.

    While waiting, no transaction is open (SQLite's write lock and the
    connection pool stay free): the wait re-reads the room briefly when woken
    (``video.notify``) and at least every ``RECHECK_SECONDS``.
    """
    body = _body(s.PollBody)
    session, after, version = body.session, body.after, body.version
    appointment, role = participant(room_id)
    operations.check_session(appointment, role, session)
    now = utcnow()
    operations.upkeep(appointment, now)
    operations.resume(appointment, role, now)
    quiet = appointment.version == version and not signalling.messages_for(
        appointment, role, after)
    if quiet and body.wait > 0:
        appointment = _wait_then_reload(appointment, role, session, after, version, body.wait)
        now = utcnow()
        operations.upkeep(appointment, now)
        operations.resume(appointment, role, now)
    operations.seen(appointment, role, now)
    return jsonify(state=room_state(appointment, role),
                   messages=signalling.messages_for(appointment, role, after),
                   cursor=appointment.signal_seq)


def _wait_then_reload(appointment: Appointment, role: str, session: str, after: int,
                      version: int, wait: float) -> Appointment:
    appointment_id, room_id = appointment.id, appointment.room_id
    # Only the login session's "last seen" touch can be pending here; it is redone below.
    db.session.rollback()
    notify.listen_if_postgres(db.engine)
    signalling.wait_for_news(appointment_id, room_id, role, session, after, version, wait)
    _touch_login_session()
    reloaded = operations.lock_room(room_id)
    operations.check_session(reloaded, role, session)
    return reloaded


def _touch_login_session() -> None:
    login = sessions.current()
    if login is not None and utcnow() - login.last_seen_at > sessions.TOUCH_INTERVAL:
        login.last_seen_at = utcnow()


@bp.route("/video/<room_id>/signal", methods=["POST"])
@operation("Relay a signalling message (SDP, ICE candidate, bye, restart) to the peer's tab.",
           body=s.SignalBody,
           responses={200: (s.SignalAnswer, "Its sequence number, or not relayed."),
                      409: (s.Conflict, "replaced, or not_admitted: no call yet."),
                      429: (Problem, "too_many_signals: the room's queue is full.")})
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def signal(room_id: str):
    body = _body(s.SignalBody, MAX_SIGNAL_BODY)
    appointment, role = participant(room_id)
    operations.check_session(appointment, role, body.session)
    try:
        seq = signalling.post_signal(appointment, role, body.to, body.message,
                                     networks=media_networks())
    except RoomTransitionError:
        return _error(409, "not_admitted")
    except signalling.TooManySignals:
        return _error(429, "too_many_signals")
    return jsonify(seq=seq, relayed=seq is not None)


@bp.route("/video/<room_id>/admit", methods=["POST"])
@operation("The therapist lets the waiting patient in.", body=s.SessionBody,
           responses={**STATE, 409: (s.Conflict, "replaced, or not_waiting.")})
@roles_required(Role.THERAPIST)
@_json_route
def admit(room_id: str):
    body = _body(s.SessionBody)
    appointment, role = participant(room_id, action=Action.UPDATE, role="therapist")
    operations.check_session(appointment, role, body.session)
    operations.upkeep(appointment, utcnow())
    try:
        operations.admit(appointment, utcnow())
    except RoomTransitionError:
        return _error(409, "not_waiting", state=room_state(appointment, role))
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(state=room_state(appointment, role))


@bp.route("/video/<room_id>/connected", methods=["POST"])
@operation("The peers' media connected: the call has started.", body=s.SessionBody,
           responses={**STATE, **REPLACED})
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def connected(room_id: str):
    body = _body(s.SessionBody)
    appointment, role = participant(room_id)
    operations.check_session(appointment, role, body.session)
    operations.connected(appointment, utcnow())
    return jsonify(state=room_state(appointment, role))


@bp.route("/video/<room_id>/hang-up", methods=["POST"])
@operation("End the call for both.", body=s.SessionBody,
           responses={**STATE, 409: (s.Conflict, "replaced, or not_in_call.")})
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def hang_up(room_id: str):
    body = _body(s.SessionBody)
    appointment, role = participant(room_id, action=Action.UPDATE)
    operations.check_session(appointment, role, body.session)
    try:
        operations.hang_up(appointment, role, utcnow())
    except RoomTransitionError:
        return _error(409, "not_in_call", state=room_state(appointment, role))
    record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    return jsonify(state=room_state(appointment, role))


@bp.route("/video/<room_id>/leave", methods=["POST"])
@operation("Leave the room (also sent as a form by navigator.sendBeacon on page close).",
           body=s.SessionBody, body_type=(JSON, FORM), responses=STATE)
@roles_required(Role.PATIENT, Role.THERAPIST)
@_json_route
def leave(room_id: str):
    """Leaving the waiting room, or the page closing (``navigator.sendBeacon``, a form)."""
    if request.mimetype == "application/json":
        session = _body(s.SessionBody).session
    elif request.form.get("session"):
        session = _form_session()
    else:
        session = ""
    appointment, role = participant(room_id, action=Action.UPDATE)
    if session and appointment.session_of(role) == session:
        operations.leave(appointment, role, utcnow())
        record(Action.UPDATE, "video_room", appointment.id, patient_id=appointment.patient_id)
    # A tab that was already replaced leaves nothing behind: answered the same way.
    return jsonify(state=room_state(appointment, role))


def _form_session() -> str:
    try:
        return parse_body(s.SessionBody, {"session": request.form["session"]}).session
    except BodyError as exc:
        raise BadRequest(str(exc)) from None


@bp.route("/video/<room_id>/ice-servers")
@operation("STUN and short-lived TURN credentials for the call.",
           responses={200: (s.IceServersAnswer, "The RTCConfiguration's iceServers.")})
@roles_required(Role.PATIENT, Role.THERAPIST)
def ice_servers(room_id: str):
    """STUN and short-lived TURN credentials, for the appointment's two participants only."""
    appointment, role = participant(room_id, lock=False)
    record(Action.READ, "video_ice_servers", appointment.id, patient_id=appointment.patient_id)
    config = ice_config()
    return jsonify(iceServers=ice_servers_for("appointment", appointment.id, role),
                   ttl=config["turn_ttl"] if config["turn_secret"] else None)


# --- the pre-call test -----------------------------------------------------------------------


def media_networks() -> tuple:
    """VIDEO_MEDIA_NETWORKS, checked at start-up: the ranges calls' media must stay in."""
    return parse_networks(current_app.config["VIDEO_MEDIA_NETWORKS"])


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


@bp.route("/video/test/echo", methods=["POST"])
@operation("The pre-call test: a server-side peer answers the offer and echoes the media.",
           body=s.EchoOffer,
           responses={200: (s.EchoAnswer, "The server peer's answer."),
                      429: (Problem, "too_many: too many tests in a short while."),
                      503: (Problem, "busy: every echo session is taken."),
                      504: (Problem, "timeout: the server peer did not answer in time.")})
@roles_required(Role.PATIENT, Role.THERAPIST)
@limiter.limit(setting_limit("VIDEO_ECHO_LIMIT"), key_func=_echo_limit_key, scope="video-echo")
@_json_route
def echo():
    """Answer the test page's offer with a server-side peer that sends the media back."""
    message = _body(s.EchoOffer, MAX_SIGNAL_BODY).root
    if message["type"] != "offer":
        raise BadRequest("expected an offer")
    config, networks = current_app.config, media_networks()
    request_ = media.EchoRequest(
        owner=str(current_user.id),
        offer_sdp=_echo_offer(message["sdp"]),
        ice_servers=precall_ice_servers(),
        max_sessions=config["VIDEO_ECHO_MAX_SESSIONS"],
        filter_sdp=functools.partial(candidates_within, networks=networks) if networks else None,
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
