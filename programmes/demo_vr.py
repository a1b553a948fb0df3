"""The demo's VR exposure: one anxiety patient has done the heights scene once, with the
curve exposure usually gives (anxiety rises with the floors, then settles)."""

from __future__ import annotations

from datetime import timedelta

from app.db import db, utcnow
from programmes import operations, vr

# (phase, level, SUDS, minutes after the start)
HEIGHTS_SESSION = [("before", 0, 30, 0), ("during", 1, 35, 2), ("during", 2, 50, 6),
                   ("during", 3, 70, 11), ("during", 4, 65, 17), ("during", 5, 55, 24),
                   ("after", 5, 30, 29)]


def _anxiety_enrolment(patients):
    for patient in patients:
        for enrolment in operations.active_enrolments(patient):
            if enrolment.programme.slug == "anxiety":
                return enrolment
    return None


def populate(patients) -> None:
    enrolment = _anxiety_enrolment(patients)
    if enrolment is None:
        return
    module = next(m for m in enrolment.programme.current_modules if m.slug == "exposure")
    if module not in operations.open_modules(enrolment):
        operations.unlock_module(enrolment, module, enrolment.therapist or enrolment.patient)
    block = operations.block_of(module, "vr-heights", enrolment.patient.language)
    if block is None:
        return
    session = vr.open_session(enrolment.patient, enrolment, module, block)
    started = utcnow() - timedelta(days=3, hours=2)
    session.started_at = started
    for phase, level, suds, minutes in HEIGHTS_SESSION:
        vr.rate(session, level=level, phase=phase, suds=suds,
                at=started + timedelta(minutes=minutes), levels=len(block.fields["levels"]))
    vr.end_session(session)
    session.ended_at = started + timedelta(minutes=30)
    db.session.flush()
