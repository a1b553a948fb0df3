"""Patient and Practitioner: the people every other resource refers to."""

from __future__ import annotations

from collections.abc import Sequence

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient, PatientCommunication
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.reference import Reference

from app.accounts.models import Role, User
from interop.fhir import codes

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def patient_ref(user_id: int, display: str | None = None) -> Reference:
    return Reference(reference=f"Patient/{codes.patient_id(user_id)}", display=display)


def practitioner_ref(user_id: int, display: str | None = None) -> Reference:
    return Reference(reference=f"Practitioner/{codes.practitioner_id(user_id)}",
                     display=display)


def person_ref(user: User) -> Reference:
    """A patient as Patient, anyone on the staff as Practitioner."""
    if user.role == Role.PATIENT:
        return patient_ref(user.id, user.name)
    return practitioner_ref(user.id, user.name)


def _name(user: User) -> HumanName:
    # Stepcare keeps one free-text name; splitting it into family and given names would be
    # a guess, so only `text` is filled (docs/fhir.md).
    return HumanName(use="official", text=user.name)


def patient(user: User, identifiers: Sequence[tuple[str, str]] = ()) -> Patient:
    """A patient account as a Patient: name, birth date, preferred language, and the
    national identifiers a login provider vouched for, as ``(system, value)``.

    With a CPR number it claims dk-core-patient; without one it claims nothing
    (docs/fhir.md).
    """
    if user.role != Role.PATIENT:
        raise ValueError(f"user {user.id} is a {user.role}, not a patient")
    systems = {system for system, _ in identifiers}
    return Patient(
        id=codes.patient_id(user.id),
        meta=Meta(profile=[codes.DK_CORE_PATIENT]) if codes.CPR in systems else None,
        identifier=[Identifier(use="official", system=system, value=value)
                    for system, value in identifiers] or None,
        active=user.disabled_at is None,
        name=[_name(user)],
        birthDate=user.date_of_birth,
        communication=[PatientCommunication(
            language=CodeableConcept(coding=[Coding(
                system=codes.LANGUAGE, code=user.language,
                display=LANGUAGE_NAMES.get(user.language))]),
            preferred=True)],
    )


def practitioner(user: User) -> Practitioner:
    """A therapist (or an administrator acting clinically) as a Practitioner: name only."""
    if not Role(user.role).is_clinician:
        raise ValueError(f"user {user.id} is a {user.role}, not a clinician")
    return Practitioner(id=codes.practitioner_id(user.id), active=user.disabled_at is None,
                        name=[_name(user)])
