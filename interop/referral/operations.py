"""Writes of the referral message: receivers (the admin's) and each send (the therapist's).

They flush; the request commits once.
"""

from __future__ import annotations

import uuid

from fhir.resources.R4B.bundle import Bundle
from flask import current_app

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record
from app.caseload import letter as letters
from app.caseload.models import Disclosure
from app.caseload.operations import record_disclosure
from app.db import db, utcnow
from interop.referral import message, send
from interop.referral.models import FhirReceiver, ReferralMessage

KIND = "referral_message"  # the disclosure's kind and the audit rows' resource type
PARTS = ("bundle", "header", "communication", "patient", "practitioner", "provenance")


def save_receiver(receiver: FhirReceiver | None, *, name: str, kind: str,
                  endpoint: str) -> FhirReceiver:
    """A new receiver (``receiver`` None) or the changes to one."""
    if receiver is None:
        receiver = FhirReceiver(active=True)
        db.session.add(receiver)
    receiver.name, receiver.kind, receiver.endpoint = name.strip(), kind, endpoint.strip()
    db.session.flush()
    return receiver


def set_active(receiver: FhirReceiver, active: bool) -> None:
    receiver.active = active
    db.session.flush()


def source() -> message.Endpoint:
    """The clinic as the message's source (``STEPCARE_FHIR_SENDER_*``)."""
    cfg = current_app.config
    endpoint = cfg["FHIR_SENDER_ENDPOINT"] or cfg["BASE_URL"].rstrip("/") + "/fhir/R4"
    return message.Endpoint(cfg["FHIR_SENDER_NAME"] or cfg["CLINIC_NAME"], endpoint)


def build(letter: Disclosure, patient: User, author: User,
          receiver: message.Endpoint) -> Bundle:
    """The letter as a message Bundle to ``receiver``, with fresh UUIDs."""
    content = message.Letter(
        patient=patient, author=author, topic=f"Henvisning / Referral: {patient.name}",
        sections=letters.sections(patient, author, letter.purpose), sent=utcnow())
    ids = {part: str(uuid.uuid4()) for part in PARTS}
    return message.message(content, ids, source(), receiver)


def deliver(letter: Disclosure, patient: User, author: User,
            receiver: FhirReceiver) -> ReferralMessage:
    """POST the message to ``receiver`` and record the send, its disclosure and audit row,
    whatever the answer: a refused or unanswered message is recorded as not delivered."""
    bundle = build(letter, patient, author, message.Endpoint(receiver.name, receiver.endpoint))
    delivery = send.post(receiver.endpoint, bundle.model_dump_json(),
                         float(current_app.config["FHIR_SEND_TIMEOUT"]))
    sent = ReferralMessage(patient_id=patient.id, author_id=author.id, receiver=receiver,
                           letter_id=letter.id, bundle_id=str(bundle.id), sent_at=utcnow(),
                           http_status=delivery.status, outcome=delivery.outcome[:4000],
                           delivered=delivery.delivered)
    db.session.add(sent)
    db.session.flush()
    record_disclosure(
        patient, by=author, kind=KIND, recipient=receiver.name, purpose=letter.purpose,
        what=f"Referral letter as a FHIR message (bundle {bundle.id}) to {receiver.endpoint}")
    record(Action.CREATE, KIND, sent.id, patient_id=patient.id)
    return sent


def letters_of(patient: User) -> list[Disclosure]:
    """The patient's referral letters, newest first."""
    return list(db.session.execute(
        db.select(Disclosure).where(Disclosure.patient_id == patient.id,
                                    Disclosure.kind == "referral_letter")
        .order_by(Disclosure.made_at.desc(), Disclosure.id.desc())).scalars())


def sends_of(patient: User) -> list[ReferralMessage]:
    """Every send of the patient's referral messages, newest first."""
    return list(db.session.execute(
        db.select(ReferralMessage).where(ReferralMessage.patient_id == patient.id)
        .order_by(ReferralMessage.sent_at.desc(), ReferralMessage.id.desc())).scalars())


def active_receivers() -> list[FhirReceiver]:
    return list(db.session.execute(
        db.select(FhirReceiver).where(FhirReceiver.active.is_(True))
        .order_by(FhirReceiver.name)).scalars())
