"""EpisodeOfCare over the API: a patient's courses of treatment, read by id or searched.

A course is cut from the patient's step rows by ``interop.fhir.split_episodes``; its id is
that of its first step row, so it stays the same as the course goes on.
"""

from __future__ import annotations

from datetime import datetime

from fhir.resources.R4B.episodeofcare import EpisodeOfCare

from app.accounts.models import User
from app.caseload.models import CareAssignment, StepAssignment
from app.db import db
from interop import fhir
from interop.api.outcomes import FhirError

STATUSES = ("active", "finished")


def _steps_of(patient_pk: int) -> list[StepAssignment]:
    return list(db.session.execute(
        db.select(StepAssignment).where(StepAssignment.patient_id == patient_pk)
    ).scalars())


def _care_manager(patient_pk: int, start: datetime, end: datetime | None) -> User | None:
    """The therapist whose caseload held the patient last during the course."""
    query = db.select(CareAssignment).where(
        CareAssignment.patient_id == patient_pk,
        db.or_(CareAssignment.ended_at.is_(None), CareAssignment.ended_at > start))
    if end is not None:
        query = query.where(CareAssignment.assigned_at <= end)
    assignment = db.session.execute(
        query.order_by(CareAssignment.assigned_at.desc(), CareAssignment.id.desc()).limit(1)
    ).scalar_one_or_none()
    return db.session.get(User, assignment.therapist_id) if assignment else None


def _mapped(course: list[StepAssignment]) -> EpisodeOfCare:
    first, last = course[0], course[-1]
    end = last.ended_at if last.end_reason is not None else None
    return fhir.episode_of_care(course, _care_manager(first.patient_id, first.started_at, end))


def courses_of(patient_pk: int) -> list[list[StepAssignment]]:
    return fhir.split_episodes(_steps_of(patient_pk))


def read(first_step_pk: int) -> tuple[EpisodeOfCare, int] | None:
    """The course that begins with this step row, and its patient; None if there is none."""
    step = db.session.get(StepAssignment, first_step_pk)
    if step is None:
        return None
    for course in courses_of(step.patient_id):
        if course[0].id == first_step_pk:
            return _mapped(course), step.patient_id
    return None


def search(patient_pk: int, status: str | None) -> list[tuple[EpisodeOfCare, int]]:
    """The patient's courses, oldest first, each with its first step row's id."""
    if status is not None and status not in STATUSES:
        raise FhirError(400, f"status: {status!r} is not one of {', '.join(STATUSES)}")
    found = [(_mapped(course), course[0].id) for course in courses_of(patient_pk)]
    return [(episode, pk) for episode, pk in found if status in (None, episode.status)]
