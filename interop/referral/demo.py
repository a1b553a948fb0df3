"""The referral message in the demo: three receivers, and Henrik's letter delivered to the
psychiatric outpatient clinic as a FHIR message. Nothing is sent: the send is recorded as
it would have been, three days ago."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from app.caseload.models import Disclosure
from app.caseload.operations import record_disclosure
from app.db import db
from app.signals import DemoClinic, DemoHook
from interop.referral.models import FhirReceiver, ReceiverKind, ReferralMessage
from interop.referral.operations import KIND

RECEIVERS = (
    ("Lægerne Vestergade, Aarhus", ReceiverKind.GP,
     "https://fhir.laegerne-vestergade.example.dk/R4/$process-message"),
    ("Psykiatrisk Akutmodtagelse, Aarhus Universitetshospital", ReceiverKind.PSYCHIATRY,
     "https://fhir.auh.example.dk/psykiatri/R4/$process-message"),
    ("Aarhus Kommune, Socialpsykiatri", ReceiverKind.MUNICIPALITY,
     "https://fhir.aarhus.example.dk/socialpsykiatri/R4/$process-message"),
    ("Psykiatrisk Ambulatorium, Odense Universitetshospital", ReceiverKind.PSYCHIATRY,
     "https://fhir.ouh.example.dk/psykiatri/R4/$process-message"),
)


def _receivers() -> dict[str, FhirReceiver]:
    """The demo's receivers, added once (a second run finds them)."""
    found = {r.name: r for r in db.session.execute(db.select(FhirReceiver)).scalars()}
    for name, kind, endpoint in RECEIVERS:
        if name not in found:
            found[name] = FhirReceiver(name=name, kind=kind, endpoint=endpoint, active=True)
            db.session.add(found[name])
    db.session.flush()
    return found


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    receivers = _receivers()
    patient = clinic.story.get("referred")
    if patient is None:
        return
    letter = db.session.execute(db.select(Disclosure).where(
        Disclosure.patient_id == patient.id, Disclosure.kind == "referral_letter")
        .order_by(Disclosure.id)).scalars().first()
    already = db.session.execute(db.select(ReferralMessage.id).where(
        ReferralMessage.patient_id == patient.id)).first()
    if letter is None or letter.made_by_id is None or already:
        return
    receiver = receivers[RECEIVERS[3][0]]
    bundle_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    sent_at = letter.made_at + timedelta(minutes=4)
    db.session.add(ReferralMessage(
        patient_id=patient.id, author_id=letter.made_by_id, receiver=receiver,
        letter_id=letter.id, bundle_id=bundle_id, sent_at=sent_at, http_status=200,
        outcome="", delivered=True))
    disclosure = record_disclosure(
        patient, by=db.session.get(type(patient), letter.made_by_id), kind=KIND,
        recipient=receiver.name, purpose=letter.purpose,
        what=f"Henvisning som FHIR-meddelelse (bundle {bundle_id}) til {receiver.endpoint}")
    disclosure.made_at = sent_at
    db.session.flush()


def hook(sender: Any) -> DemoHook:
    """After the core's story (which writes Henrik's referral letter)."""
    return DemoHook(order=55, populate=populate)
