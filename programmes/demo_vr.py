"""The demo's VR exposure: one anxiety patient has done the heights scene once, with the
curve exposure usually gives (anxiety rises with the floors, then settles). Their therapist
wrote feedback on it the next day and assigned the next scenes: heights again from the 10th
floor, and the town square from its quiet start."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.caseload.loaders import current_therapist_id
from app.db import db, utcnow
from programmes import operations, vr, vr_care

# (phase, level, SUDS, minutes after the start)
HEIGHTS_SESSION = [("before", 0, 30, 0), ("during", 1, 35, 2), ("during", 2, 50, 6),
                   ("during", 3, 70, 11), ("during", 4, 65, 17), ("during", 5, 55, 24),
                   ("after", 5, 30, 29)]

# (scene, starting level): the next steps on the patient's virtual ladder.
ASSIGNMENTS = [("heights", 3), ("crowd", 1)]

FEEDBACK = {
    "da": ("Flot arbejde! Din angst steg til 70 på 10. sal og faldt til 55, mens du blev "
           "deroppe. Det er præcis sådan, eksponering virker: angsten falder, når du bliver i "
           "situationen i stedet for at gå. Næste gang starter du direkte på 10. sal. Jeg har "
           "også foreslået torvet, hvor du begynder tidligt om morgenen, når der næsten ingen "
           "mennesker er."),
    "en": ("Well done! Your anxiety rose to 70 on the 10th floor and came down to 55 while you "
           "stayed up there. That is exactly how exposure works: anxiety falls when you stay in "
           "the situation instead of leaving. Next time, start straight on the 10th floor. I "
           "have also suggested the town square, starting early in the morning when it is "
           "almost empty."),
}


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
    _therapists_reply(enrolment, session)


def _therapists_reply(enrolment, session) -> None:
    """The next day: feedback on the session and the scenes to practise next."""
    patient = enrolment.patient
    therapist = enrolment.therapist or db.session.get(User, current_therapist_id(patient.id) or 0)
    if therapist is None:
        return
    vr_care.give_feedback(session, by=therapist,
                          text=FEEDBACK.get(patient.language, FEEDBACK["en"]))
    session.feedback_at = session.started_at + timedelta(days=1)
    for scene, level in ASSIGNMENTS:
        if scene in vr_care.available_scenes(patient):
            assignment = vr_care.assign(patient, scene, level, by=therapist)
            assignment.assigned_at = session.feedback_at
    db.session.flush()
