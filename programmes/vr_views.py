"""The VR exposure page (A-Frame loads here only) and its JSON API: open or continue a
session, rate SUDS, end the session. The API takes JSON with the CSRF token in the
``X-CSRFToken`` header; another patient's session answers 404."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import abort, jsonify, render_template, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import record
from app.openapi import BodyError, operation, parse_body
from app.security import motion_allowed, patient_data, roles_required
from programmes import operations, vr, vr_care
from programmes.views import _own_open_module, bp, language

# A-Frame works under the site's Content-Security-Policy (app/security.py), unchanged:
# three.js compiles its shaders through WebGL, not eval; its only `new Function` is a
# fallback for engines without globalThis; its workers (Draco, KTX2 decoders) serve model
# formats these scenes do not load. The policy refuses the <style> elements it injects, so
# the page links the same stylesheet as a file (vendor/aframe-1.8.0.css).


class SessionReply(BaseModel):
    session: int
    highest_level: int
    start_level: int
    ratings: list[dict]


class RatingBody(BaseModel):
    """One SUDS rating: 0 = calm, 100 = the most anxious the patient can imagine."""

    model_config = ConfigDict(extra="forbid")
    session: int = Field(ge=1, le=2**31 - 1)
    level: int = Field(ge=0, le=100)
    phase: Literal["before", "during", "after"]
    suds: int = Field(ge=0, le=100)
    at: datetime | None = None


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: int = Field(ge=1, le=2**31 - 1)


class Saved(BaseModel):
    ok: bool
    highest_level: int


def _vr_block(slug: str, module_slug: str, block_id: str):
    enrolment, module = _own_open_module(slug, module_slug)
    block = operations.block_of(module, block_id, language())
    if block is None or block.type != "vr_exposure":
        abort(404)
    return enrolment, module, block


def _json(model):
    try:
        return parse_body(model, request.get_json(silent=True))
    except BodyError as exc:
        abort(400, str(exc))


def _reply(session) -> dict:
    return {"session": session.id, "highest_level": session.highest_level,
            "start_level": session.start_level,
            "ended": session.ended_at is not None,
            "ratings": [{"level": r.level, "phase": r.phase, "suds": r.suds}
                        for r in session.ratings]}


@bp.route("/programmes/<slug>/<module_slug>/vr/<block_id>")
@roles_required(Role.PATIENT)
@patient_data
@motion_allowed
def vr_scene(slug: str, module_slug: str, block_id: str):
    enrolment, module, block = _vr_block(slug, module_slug, block_id)
    record(Action.READ, "module", module.id, patient_id=current_user.id)
    assigned = vr_care.assignments_for(current_user).get(block.fields["scene"])
    feedback = vr_care.feedback_for(current_user, module.id, block.id)
    # A view event, safe on GET: feedback shown is marked read once (tests/test_get_writes.py).
    operations.mark_feedback_read(feedback)
    levels = len(block.fields["levels"])
    return render_template("programmes/vr.html", enrolment=enrolment, module=module,
                           block=block, parsed=operations.as_content_module(module, language()),
                           assigned=assigned, feedback=feedback, scene_name=vr.scene_name,
                           start_level=min(assigned.start_level, levels) if assigned else 1)


@bp.route("/programmes/<slug>/<module_slug>/vr/<block_id>/session", methods=["POST"])
@operation("Open a VR exposure session, or continue the open one (after a reload).",
           responses={200: (SessionReply, "The session and its ratings so far.")})
@roles_required(Role.PATIENT)
def vr_session(slug: str, module_slug: str, block_id: str):
    enrolment, module, block = _vr_block(slug, module_slug, block_id)
    return jsonify(_reply(vr.open_session(current_user, enrolment, module, block)))


@bp.route("/programmes/vr/ratings", methods=["POST"])
@operation("Save one SUDS rating (0-100) of the patient's own open VR session.",
           body=RatingBody, responses={200: (Saved, "Saved.")})
@roles_required(Role.PATIENT)
def vr_rate():
    body = _json(RatingBody)
    session = vr.own_session(current_user, body.session)
    if session is None or session.ended_at is not None:
        abort(404)
    block = operations.block_of(session.module, session.block_id, language())
    if block is None:
        abort(404)
    try:
        vr.rate(session, level=body.level, phase=body.phase, suds=body.suds, at=body.at,
                levels=len(block.fields["levels"]))
    except vr.BadRating as exc:
        abort(400, str(exc))
    return jsonify(ok=True, highest_level=session.highest_level)


@bp.route("/programmes/vr/end", methods=["POST"])
@operation("End the patient's own VR session (Stop now, or done).", body=EndBody,
           responses={200: (Saved, "Ended.")})
@roles_required(Role.PATIENT)
def vr_end():
    body = _json(EndBody)
    session = vr.own_session(current_user, body.session)
    if session is None:
        abort(404)
    vr.end_session(session)
    return jsonify(ok=True, highest_level=session.highest_level)
