from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class Message(db.Model):
    """One message in a patient's thread with their care team.

    The thread is the patient: whoever is their therapist reads and answers it.
    A message can be edited until it is read, never after.
    """

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_thread", "patient_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sender: Mapped[User] = relationship(foreign_keys=[sender_id])

    @property
    def from_patient(self) -> bool:
        return self.sender_id == self.patient_id
