"""Where referral messages go (receivers) and what became of each one sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, db, utcnow


class ReceiverKind(StrEnum):
    GP = "gp"
    PSYCHIATRY = "psychiatry"
    MUNICIPALITY = "municipality"
    OTHER = "other"


class FhirReceiver(db.Model):
    """A GP practice, psychiatric service or municipality that takes FHIR messages."""

    __tablename__ = "fhir_receiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    # The receiver's $process-message URL (https in production); the bundle is POSTed here.
    endpoint: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferralMessage(db.Model):
    """One send of a referral letter as a FHIR message, and the receiver's answer."""

    __tablename__ = "referral_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    receiver_id: Mapped[int] = mapped_column(ForeignKey("fhir_receiver.id"))
    letter_id: Mapped[int] = mapped_column(ForeignKey("disclosure.id"))
    bundle_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    http_status: Mapped[int | None]  # None: no answer (timed out, refused connection)
    outcome: Mapped[str] = mapped_column(Text, default="")
    delivered: Mapped[bool] = mapped_column(default=False)

    receiver: Mapped[FhirReceiver] = relationship(lazy="joined")
