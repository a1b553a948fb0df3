"""The step-4 referral letter as a MedCom CareCommunication-shaped FHIR message.

A ``Bundle`` of type ``message``: MessageHeader first, then the Communication that carries
the letter's sections, the Patient, the Practitioner (the therapist) and a Provenance.
Every resource is a ``fhir.resources.R4B`` model, validated as it is built. What is filled
and what MedCom's profiles ask for that is not: docs/fhir.md, "The referral message".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.communication import Communication, CommunicationPayload
from fhir.resources.R4B.messageheader import (
    MessageHeader,
    MessageHeaderDestination,
    MessageHeaderSource,
)
from fhir.resources.R4B.provenance import Provenance, ProvenanceAgent
from fhir.resources.R4B.reference import Reference

from app.accounts.models import User
from app.caseload.letter import LetterSection
from interop.fhir import people

MEDCOM = "http://medcomfhir.dk/ig/terminology/CodeSystem"
EVENT_SYSTEM = f"{MEDCOM}/medcom-messaging-eventCodes"
EVENT_CODE = "care-communication-message"
CATEGORY_SYSTEM = f"{MEDCOM}/medcom-careCommunication-categoryCodes"
CATEGORY_CODE = "regarding-referral"  # "Vedr. henvisning"
ACTIVITY_SYSTEM = f"{MEDCOM}/medcom-messaging-activityCodes"
ACTIVITY_CODE = "new-message"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


@dataclass(frozen=True)
class Endpoint:
    """One end of the message: a name and the URL (or URN) that identifies it."""

    name: str
    endpoint: str


@dataclass(frozen=True)
class Letter:
    """What the message carries: the letter written on the referral page."""

    patient: User
    author: User
    topic: str
    sections: Sequence[LetterSection]
    sent: datetime
    urgent: bool = False


def _urn(uuid: str) -> str:
    return f"urn:uuid:{uuid}"


def _communication(letter: Letter, ids: dict[str, str]) -> Communication:
    return Communication(
        id=ids["communication"], status="completed",
        category=[CodeableConcept(coding=[Coding(system=CATEGORY_SYSTEM, code=CATEGORY_CODE,
                                                 display="Regarding Referral")])],
        priority="asap" if letter.urgent else "routine",
        topic=CodeableConcept(text=letter.topic),
        subject=Reference(reference=_urn(ids["patient"]), display=letter.patient.name),
        sender=Reference(reference=_urn(ids["practitioner"]), display=letter.author.name),
        sent=letter.sent,
        payload=[CommunicationPayload(contentString=f"{s.title}\n\n{s.text}")
                 for s in letter.sections if s.text],
    )


def _header(letter: Letter, ids: dict[str, str], source: Endpoint,
            destination: Endpoint) -> MessageHeader:
    author = Reference(reference=_urn(ids["practitioner"]), display=letter.author.name)
    return MessageHeader(
        id=ids["header"],
        eventCoding=Coding(system=EVENT_SYSTEM, code=EVENT_CODE),
        destination=[MessageHeaderDestination(name=destination.name,
                                              endpoint=destination.endpoint)],
        source=MessageHeaderSource(name=source.name, endpoint=source.endpoint,
                                   software="Stepcare"),
        sender=Reference(display=source.name), author=author,
        focus=[Reference(reference=_urn(ids["communication"]))],
    )


def _provenance(letter: Letter, ids: dict[str, str]) -> Provenance:
    return Provenance(
        id=ids["provenance"],
        target=[Reference(reference=_urn(ids["header"])),
                Reference(reference=_urn(ids["communication"]))],
        recorded=letter.sent,
        activity=CodeableConcept(coding=[Coding(system=ACTIVITY_SYSTEM, code=ACTIVITY_CODE)]),
        agent=[ProvenanceAgent(
            type=CodeableConcept(coding=[Coding(system=PROVENANCE_AGENT, code="author")]),
            who=Reference(reference=_urn(ids["practitioner"]), display=letter.author.name))],
    )


def message(letter: Letter, ids: dict[str, str], source: Endpoint,
            destination: Endpoint) -> Bundle:
    """The message Bundle. ``ids`` holds a UUID for each of: bundle, header,
    communication, patient, practitioner, provenance (the caller makes them, so a test
    can fix them); entries are addressed by ``urn:uuid:``, as messages are."""
    patient = people.patient(letter.patient)
    patient.id = ids["patient"]
    practitioner = people.practitioner(letter.author)
    practitioner.id = ids["practitioner"]
    resources = [_header(letter, ids, source, destination), _communication(letter, ids),
                 patient, practitioner, _provenance(letter, ids)]
    return Bundle(
        id=ids["bundle"], type="message", timestamp=letter.sent,
        entry=[BundleEntry(fullUrl=_urn(str(r.id)), resource=r) for r in resources],
    )
