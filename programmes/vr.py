"""Virtual-reality exposure sessions: open (or continue) one, rate SUDS, end it; the
therapist's SUDS curve. Writes flush; the request commits once. Every read and write is
audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import add_recorded, record, record_many
from app.charts import Chart, Series
from app.db import db, utcnow
from programmes import content, vr_care
from programmes.models import Enrolment, ModuleRecord, VrRating, VrSession

PHASES = ("before", "during", "after")
#: How far a rating's own clock may differ from the server's (a phone's clock drifts).
CLOCK_SLACK = timedelta(minutes=10)


class BadRating(ValueError):
    """A rating the session cannot take (a level the scene does not have, a time outside
    the session)."""


def open_session(patient: User, enrolment: Enrolment, module: ModuleRecord,
                 block: content.Block) -> VrSession:
    """The patient's open session of this block (a reload continues it), or a new one."""
    found = db.session.execute(
        db.select(VrSession).where(VrSession.patient_id == patient.id,
                                   VrSession.module_id == module.id,
                                   VrSession.block_id == block.id,
                                   VrSession.ended_at.is_(None))
        .order_by(VrSession.id.desc()).options(selectinload(VrSession.ratings))
    ).scalars().first()
    if found is not None:
        record(Action.READ, "vr_session", found.id, patient_id=patient.id)
        return found
    scene = block.fields["scene"]
    session = VrSession(patient_id=patient.id, enrolment_id=enrolment.id, module_id=module.id,
                        block_id=block.id, scene=scene, highest_level=0,
                        start_level=vr_care.start_level_for(patient, scene,
                                                            len(block.fields["levels"])))
    return add_recorded(session, "vr_session", patient_id=patient.id)


def own_session(patient: User, session_id: int) -> VrSession | None:
    """The patient's own session, or None (the view answers 404 for anyone else's)."""
    return db.session.execute(
        db.select(VrSession).where(VrSession.id == session_id,
                                   VrSession.patient_id == patient.id)
    ).scalar_one_or_none()


def rate(session: VrSession, *, level: int, phase: str, suds: int, at: datetime | None,
         levels: int) -> VrRating:
    """Save one SUDS rating; the session's highest level follows the levels rated."""
    if phase not in PHASES or not 0 <= suds <= 100:
        raise BadRating("phase or suds out of range")
    if not 0 <= level <= levels or (phase == "during" and level == 0):
        raise BadRating(f"level must be from {0 if phase != 'during' else 1} to {levels}")
    now = utcnow()
    # A time without a zone is UTC (the page sends ISO 8601 with "Z").
    when = None if at is None else (at.replace(tzinfo=UTC) if at.tzinfo is None
                                    else at.astimezone(UTC))
    started = session.started_at.replace(tzinfo=UTC) if session.started_at.tzinfo is None \
        else session.started_at
    if when is not None and not (started - CLOCK_SLACK <= when <= now + CLOCK_SLACK):
        raise BadRating("the time is outside the session")
    rating = VrRating(session_id=session.id, level=level, phase=phase, suds=suds,
                      at=when or now)
    db.session.add(rating)
    if phase == "during":
        session.highest_level = max(session.highest_level, level)
    db.session.flush()
    record(Action.CREATE, "vr_rating", rating.id, patient_id=session.patient_id)
    return rating


def end_session(session: VrSession) -> None:
    if session.ended_at is None:
        session.ended_at = utcnow()
        db.session.flush()
    record(Action.UPDATE, "vr_session", session.id, patient_id=session.patient_id)


def sessions_for(patient: User, limit: int = 10) -> list[VrSession]:
    """The patient's latest sessions with their ratings (for the therapist's record)."""
    sessions = list(db.session.execute(
        db.select(VrSession).where(VrSession.patient_id == patient.id)
        .order_by(VrSession.started_at.desc(), VrSession.id.desc()).limit(limit)
        .options(selectinload(VrSession.ratings), selectinload(VrSession.module),
                 selectinload(VrSession.feedback_by))
    ).scalars())
    if sessions:
        record_many(Action.READ, "vr_session", [(s.id, patient.id) for s in sessions])
    return sessions


def scene_name(scene: str) -> str:
    return {"heights": _("heights"), "crowd": _("crowd"),
            "speaking": _("speaking to an audience")}.get(scene, scene)


def level_count(session: VrSession) -> int:
    """How many levels the session's block has (0 if the content dropped it)."""
    for lang_blocks in session.module.blocks.values():
        for block in lang_blocks:
            if block["id"] == session.block_id:
                return len(block["fields"].get("levels") or ())
    return 0


def rating_label(rating: VrRating) -> str:
    if rating.phase == "before":
        return _("Before")
    if rating.phase == "after":
        return _("After")
    return _("Level %(n)s", n=rating.level)


def suds_chart(session: VrSession, title: str) -> Markup:
    """The session's SUDS in the order rated: before, each level, after."""
    ratings = session.ratings
    points = [(float(i), float(r.suds)) for i, r in enumerate(ratings)]
    chart = Chart(
        x_range=(0, max(len(ratings) - 1, 1)), y_range=(0, 100), y_ticks=[0, 50, 100],
        x_ticks=[(float(i), rating_label(r)) for i, r in enumerate(ratings)
                 if i in (0, len(ratings) - 1) or (len(ratings) <= 5)],
        series=[Series(_("SUDS"), "series-mood", points)],
        title=title,
    )
    return Markup(chart.svg())  # noqa: S704 - built from numbers and escaped labels
