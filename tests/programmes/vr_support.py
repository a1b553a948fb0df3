"""Shared set-up for the VR exposure tests: a patient in the anxiety programme with the
exposure module open."""

from app.accounts.models import User
from app.db import db
from programmes import operations
from tests.conftest import enrol

EXPOSURE = "/programmes/anxiety/exposure"
HEIGHTS = f"{EXPOSURE}/vr/vr-heights"


def open_exposure(patient_id: int, therapist_id: int | None) -> int:
    """Enrol in anxiety and open the exposure module; returns the enrolment id."""
    enrolment = enrol(patient_id, "anxiety", therapist_id)
    module = next(m for m in enrolment.programme.current_modules if m.slug == "exposure")
    therapist = db.session.get(User, therapist_id) if therapist_id else None
    operations.unlock_module(enrolment, module, therapist or enrolment.patient)
    db.session.commit()
    return enrolment.id
