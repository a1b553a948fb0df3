"""The therapist's side of VR exposure: the scenes assigned to a patient with the level to
start at, and written feedback on a finished session (as on homework). Writes flush; the
request commits once. Every read and write of patient data is audited."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.db import db, utcnow
from programmes import operations
from programmes.models import Enrolment, VrAssignment, VrSession

#: The scenes static/vr/scenes.js builds, in the order the module shows them.
SCENES = ("heights", "crowd", "speaking")


class BadAssignment(ValueError):
    """A scene the patient's programmes do not have, or a level the scene does not have."""


def available_scenes(patient: User, enrolments: list[Enrolment] | None = None
                     ) -> dict[str, int]:
    """The scenes in the patient's active programmes (``enrolments`` if already loaded),
    each with its number of levels."""
    found: dict[str, int] = {}
    if enrolments is None:
        enrolments = operations.active_enrolments(patient)
    for enrolment in enrolments:
        for module in enrolment.programme.current_modules:
            blocks = module.blocks.get(patient.language) or next(iter(module.blocks.values()), [])
            for block in blocks:
                scene = block["fields"].get("scene") if block["type"] == "vr_exposure" else None
                if scene in SCENES and scene not in found:
                    found[scene] = len(block["fields"].get("levels") or ())
    return {scene: found[scene] for scene in SCENES if scene in found}


def assignments_for(patient: User) -> dict[str, VrAssignment]:
    """The patient's assigned scenes by scene (audited as read when there are any)."""
    rows = list(db.session.execute(
        db.select(VrAssignment).where(VrAssignment.patient_id == patient.id)
        .order_by(VrAssignment.id)).scalars())
    if rows:
        record_many(Action.READ, "vr_assignment", [(a.id, patient.id) for a in rows])
    return {a.scene: a for a in rows}


def assign(patient: User, scene: str, start_level: int, *, by: User) -> VrAssignment:
    """Assign the scene (or change its starting level); refuses what the content lacks."""
    levels = available_scenes(patient).get(scene)
    if levels is None:
        raise BadAssignment("scene")
    if not 1 <= start_level <= levels:
        raise BadAssignment("level")
    found = db.session.execute(
        db.select(VrAssignment).where(VrAssignment.patient_id == patient.id,
                                      VrAssignment.scene == scene)).scalar_one_or_none()
    action = Action.UPDATE if found else Action.CREATE
    if found is None:
        found = VrAssignment(patient_id=patient.id, scene=scene)
        db.session.add(found)
    found.start_level, found.assigned_by_id, found.assigned_at = start_level, by.id, utcnow()
    db.session.flush()
    record(action, "vr_assignment", found.id, patient_id=patient.id)
    return found


def unassign(patient: User, scene: str) -> bool:
    """Take the scene off the patient's assignments; False if it was not assigned."""
    found = db.session.execute(
        db.select(VrAssignment).where(VrAssignment.patient_id == patient.id,
                                      VrAssignment.scene == scene)).scalar_one_or_none()
    if found is None:
        return False
    record(Action.DELETE, "vr_assignment", found.id, patient_id=patient.id)
    db.session.delete(found)
    db.session.flush()
    return True


def start_level_for(patient: User, scene: str, levels: int) -> int:
    """Where a new session of the scene begins: the assigned level, or the first."""
    found = db.session.execute(
        db.select(VrAssignment).where(VrAssignment.patient_id == patient.id,
                                      VrAssignment.scene == scene)).scalar_one_or_none()
    if found is None:
        return 1
    record(Action.READ, "vr_assignment", found.id, patient_id=patient.id)
    return max(1, min(found.start_level, levels))


def give_feedback(session: VrSession, *, by: User, text: str) -> None:
    operations.write_feedback(session, "vr_session", by=by, text=text)


def feedback_for(patient: User, module_id: int | None = None,
                 block_id: str | None = None) -> list[VrSession]:
    """The patient's sessions with feedback, newest first (of one module or block, if given)."""
    query = (db.select(VrSession)
             .where(VrSession.patient_id == patient.id, VrSession.feedback_at.is_not(None))
             .options(selectinload(VrSession.feedback_by), selectinload(VrSession.module))
             .order_by(VrSession.started_at.desc(), VrSession.id.desc()))
    if module_id is not None:
        query = query.where(VrSession.module_id == module_id)
    if block_id is not None:
        query = query.where(VrSession.block_id == block_id)
    sessions = list(db.session.execute(query).scalars())
    if sessions:
        record_many(Action.READ, "vr_session", [(s.id, patient.id) for s in sessions])
    return sessions


def unread_feedback(patient: User) -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(VrSession)
        .where(VrSession.patient_id == patient.id, VrSession.feedback_at.is_not(None),
               VrSession.feedback_read_at.is_(None))).scalar_one()
