"""EpisodeOfCare (a course of treatment and its steps), Communication and Appointment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.appointment import AppointmentParticipant
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.communication import Communication, CommunicationPayload
from fhir.resources.R4B.episodeofcare import EpisodeOfCare, EpisodeOfCareStatusHistory
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference

from app.accounts.models import User
from app.caseload.models import StepAssignment
from app.messaging.models import Message
from interop.fhir import codes
from interop.fhir.people import patient_ref, person_ref, practitioner_ref
from video.models import Appointment
from video.room_values import Status

STEP_NAMES = {1: "Step 1: guided self-help", 2: "Step 2: guided online programme",
              3: "Step 3: therapist-led treatment", 4: "Step 4: referred on to specialist care"}

# video.room_values.Status -> Appointment.status. An ended room that never connected was
# not a consultation: noshow (docs/fhir.md).
APPOINTMENT_STATUS = {Status.SCHEDULED: "booked", Status.WAITING: "arrived",
                      Status.ADMITTED: "arrived", Status.IN_CALL: "arrived",
                      Status.ENDED: "fulfilled", Status.CANCELLED: "cancelled",
                      Status.NO_SHOW: "noshow"}


def split_episodes(steps: Sequence[StepAssignment]) -> list[list[StepAssignment]]:
    """One patient's step rows, oldest first, cut into courses of treatment.

    A course ends at a row with an end reason (a discharge); a step change without one
    goes on in the same course (app.caseload.operations.set_step and discharge).
    """
    if len({step.patient_id for step in steps}) > 1:
        raise ValueError("steps of more than one patient")
    episodes: list[list[StepAssignment]] = []
    current: list[StepAssignment] = []
    for step in sorted(steps, key=lambda s: (s.started_at, s.id)):
        current.append(step)
        if step.end_reason is not None:
            episodes.append(current)
            current = []
    return [*episodes, current] if current else episodes


def _step_coding(step: int) -> Coding:
    return Coding(system=codes.STEP_SYSTEM, code=str(step), display=STEP_NAMES[step])


def episode_of_care(steps: Sequence[StepAssignment],
                    therapist: User | None = None) -> EpisodeOfCare:
    """One course of treatment (a list from ``split_episodes``) with its steps as history.

    ``therapist`` is the care manager: the patient's therapist in this course, if any.
    """
    if not steps:
        raise ValueError("an episode of care needs at least one step")
    ordered = sorted(steps, key=lambda s: (s.started_at, s.id))
    last = ordered[-1]
    finished = last.ended_at is not None and last.end_reason is not None
    return EpisodeOfCare(
        id=codes.episode_id(ordered[0].id),
        status="finished" if finished else "active",
        statusHistory=[EpisodeOfCareStatusHistory(
            status="finished" if step.ended_at else "active",
            period=Period(start=step.started_at, end=step.ended_at)) for step in ordered],
        # The steps, in the order the patient went through them.
        type=[CodeableConcept(coding=[_step_coding(step.step)], text=STEP_NAMES[step.step])
              for step in ordered],
        patient=patient_ref(last.patient_id),
        period=Period(start=ordered[0].started_at, end=last.ended_at if finished else None),
        careManager=practitioner_ref(therapist.id, therapist.name) if therapist else None,
    )


def communication(message: Message, patient: User) -> Communication:
    """A message in the patient's thread with their care team.

    The thread belongs to the patient; a message from the patient goes to the care team
    (whoever their therapist is then), so only a therapist's message names a recipient.
    """
    if message.patient_id != patient.id:
        raise ValueError(f"message {message.id} is not in patient {patient.id}'s thread")
    from_patient = message.from_patient
    return Communication(
        id=codes.communication_id(message.id),
        status="completed",
        subject=patient_ref(patient.id, patient.name),
        sender=patient_ref(patient.id, patient.name) if from_patient
        else person_ref(message.sender),
        recipient=None if from_patient else [patient_ref(patient.id, patient.name)],
        sent=message.sent_at,
        payload=[CommunicationPayload(contentString=message.body)],
    )


def _participant(reference: Reference, present_at: datetime | None) -> AppointmentParticipant:
    return AppointmentParticipant(actor=reference, required="required", status="accepted",
                                  period=Period(start=present_at) if present_at else None)


def appointment(row: Appointment) -> FhirAppointment:
    """A video appointment between a patient and their therapist."""
    status = APPOINTMENT_STATUS[Status(row.status)]
    if row.status == Status.ENDED and row.connected_at is None:
        status = "noshow"
    return FhirAppointment(
        id=codes.appointment_id(row.id),
        status=status,
        appointmentType=CodeableConcept(
            coding=[Coding(system="http://terminology.hl7.org/CodeSystem/v2-0276",
                           code="ROUTINE", display="Routine appointment")]),
        serviceCategory=[CodeableConcept(text="Video consultation")],
        start=row.starts_at,
        end=row.ends_at,
        minutesDuration=row.duration_minutes,
        created=row.created_at,
        participant=[
            _participant(patient_ref(row.patient_id), row.patient_arrived_at),
            _participant(practitioner_ref(row.therapist_id), row.therapist_arrived_at),
        ],
    )
