"""Scoped loaders: the only way views reach a patient's records.

Out of scope answers 404, never 403, so that nobody can learn whether a
record exists (as healthchecks' ``_get_check_for_user`` does). Every load,
allowed or denied, leaves an audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.interfaces import ORMOption

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_at_commit, record_denied
from app.caseload.models import CareAssignment
from app.db import db

T = TypeVar("T")


#: ``Session.info`` key of the therapists read in the session's current transaction.
_THERAPIST_OF = "stepcare.therapist_of"


def current_therapist_id(patient_id: int) -> int | None:
    """The patient's therapist now, read once per transaction until the next write.

    A record page asks several times (the scope check, then each panel that lets only
    the patient's own therapist act); a flush, bulk write, commit or rollback forgets it.
    """
    known = db.session.info.setdefault(_THERAPIST_OF, {})
    if patient_id not in known:
        known[patient_id] = db.session.execute(
            db.select(CareAssignment.therapist_id).where(
                CareAssignment.patient_id == patient_id, CareAssignment.ended_at.is_(None)
            )
        ).scalar_one_or_none()
    return known[patient_id]


def _forget_therapists(session: Session, *_args: Any) -> None:
    session.info.pop(_THERAPIST_OF, None)


def _forget_after_bulk_write(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        _forget_therapists(state.session)


for _name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    event.listen(Session, _name, _forget_therapists)
event.listen(Session, "do_orm_execute", _forget_after_bulk_write)


def is_in_scope(viewer: User, patient_id: int) -> bool:
    """May this signed-in user see this patient's records?"""
    if viewer.role == Role.PATIENT:
        return viewer.id == patient_id
    if viewer.role == Role.ADMIN:
        return True  # every admin read is audited
    if viewer.role == Role.THERAPIST:
        therapist_id = current_therapist_id(patient_id)
        if therapist_id is None:
            # Patients without a therapist are triaged by whoever is on duty.
            return viewer.on_duty
        return therapist_id == viewer.id
    return False


def _authorise(patient_id: int, resource_type: str, resource_id: object, action: Action,
               *, audit_at_commit: bool = False) -> User:
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT or not is_in_scope(current_user, patient_id):
        known = patient is not None and patient.role == Role.PATIENT
        record_denied(resource_type, resource_id, patient_id=patient_id if known else None,
                      action=action)
        abort(404)
    if audit_at_commit:
        record_at_commit(action, resource_type, resource_id, patient_id=patient_id)
    else:
        record(action, resource_type, resource_id, patient_id=patient_id)
    return patient


def get_patient_for_user(
    patient_id: int, *, resource_type: str = "patient", action: Action = Action.READ,
    audit_at_commit: bool = False,
) -> User:
    """The patient, if the current user may reach them; otherwise 404 (and an audit row).

    ``audit_at_commit``: the row of an allowed read is chained on at the commit, so a page
    does not hold the audit chain's lock while it runs (a denial is written at once).
    """
    return _authorise(patient_id, resource_type, patient_id, action,
                      audit_at_commit=audit_at_commit)


def get_record_for_user(
    model: type[T], record_id: int, *, resource_type: str, action: Action = Action.READ,
    options: Sequence[ORMOption] = (),
) -> T:
    """Any record with a ``patient_id``, scoped as its patient is; otherwise 404.

    ``options`` load what the page shows with it (its template runs no query).
    """
    found = db.session.get(model, record_id, options=options)
    if found is None:
        record_denied(resource_type, record_id, patient_id=None, action=action)
        abort(404)
    _authorise(found.patient_id, resource_type, record_id, action)
    return found


def _current_patients(therapist: User, *columns: Any) -> Select:
    return (db.select(*columns)
            .join(CareAssignment, CareAssignment.patient_id == User.id)
            .where(CareAssignment.therapist_id == therapist.id,
                   CareAssignment.ended_at.is_(None))
            .order_by(User.name))


def patient_names_of(therapist: User) -> list[tuple[int, str]]:
    """(id, name) of the therapist's current patients by name: all the caseload needs of
    them, without building 150 User objects a view."""
    return [(pid, name) for pid, name in
            db.session.execute(_current_patients(therapist, User.id, User.name))]


def patients_of(therapist: User) -> list[User]:
    return list(db.session.execute(_current_patients(therapist, User)).scalars())
