"""Video appointments, their room state, and the signalling messages of a call.

The room's state machine (``video.room``) is pure; an :class:`Appointment`
row stores one :class:`~video.room.RoomState` snapshot plus what signalling
needs (who is connected from which browser tab, and counters that let a
waiting poll notice news). Signalling messages are rows too, so that any
worker process can relay them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow
from video.room import RoomState, Slot, Status

STATUSES = ", ".join(f"'{s.value}'" for s in Status)
MIN_DURATION = 5
MAX_DURATION = 180


class Appointment(db.Model):
    """A video consultation between a patient and their therapist, and its room."""

    __tablename__ = "video_appointment"
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUSES})", name="status"),
        CheckConstraint(
            f"duration_minutes BETWEEN {MIN_DURATION} AND {MAX_DURATION}", name="duration"
        ),
        CheckConstraint("ended_by IN ('patient', 'therapist', 'system')", name="ended_by"),
        Index("ix_video_appointment_therapist_starts", "therapist_id", "starts_at"),
        Index("ix_video_appointment_patient_starts", "patient_id", "starts_at"),
        Index("ix_video_appointment_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    # 192 random bits (video.room.new_room_id): the call's URLs name the room by it.
    room_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The calendar invitation's UID stays; every change raises its SEQUENCE.
    ics_uid: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # --- the room (a video.room.RoomState) ---
    status: Mapped[str] = mapped_column(String(16), default=Status.SCHEDULED)
    patient_present: Mapped[bool] = mapped_column(default=False)
    therapist_present: Mapped[bool] = mapped_column(default=False)
    patient_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    therapist_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    segment_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    call_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    reconnects: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))

    # --- signalling ---
    # Raised on every change a participant's page should see; a waiting poll compares it.
    version: Mapped[int] = mapped_column(default=0)
    # The last signalling message's number in this room (messages count from 1).
    signal_seq: Mapped[int] = mapped_column(default=0)
    # A random token per joined browser tab: a reload or a second tab is a new peer.
    patient_session: Mapped[str | None] = mapped_column(String(24))
    therapist_session: Mapped[str | None] = mapped_column(String(24))
    patient_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    therapist_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def slot(self) -> Slot:
        return Slot(self.starts_at, self.duration_minutes)

    @property
    def room_state(self) -> RoomState:
        return RoomState(
            status=Status(self.status),
            patient_present=self.patient_present,
            therapist_present=self.therapist_present,
            patient_arrived_at=self.patient_arrived_at,
            therapist_arrived_at=self.therapist_arrived_at,
            admitted_at=self.admitted_at,
            connected_at=self.connected_at,
            segment_started_at=self.segment_started_at,
            call_time=timedelta(seconds=self.call_seconds or 0.0),
            reconnects=self.reconnects,
            ended_at=self.ended_at,
            ended_by=self.ended_by,
        )

    def store_room_state(self, state: RoomState) -> None:
        self.status = state.status.value
        self.patient_present = state.patient_present
        self.therapist_present = state.therapist_present
        self.patient_arrived_at = state.patient_arrived_at
        self.therapist_arrived_at = state.therapist_arrived_at
        self.admitted_at = state.admitted_at
        self.connected_at = state.connected_at
        self.segment_started_at = state.segment_started_at
        self.call_seconds = state.call_time.total_seconds()
        self.reconnects = state.reconnects
        self.ended_at = state.ended_at
        self.ended_by = state.ended_by

    def session_of(self, role: str) -> str | None:
        return self.patient_session if role == "patient" else self.therapist_session

    def role_of(self, user_id: int) -> str | None:
        if user_id == self.patient_id:
            return "patient"
        if user_id == self.therapist_id:
            return "therapist"
        return None


class Signal(db.Model):
    """One signalling message (offer, answer, ICE candidate, bye, restart) between two tabs.

    Deleted when the call ends: an SDP names network addresses, and nothing
    needs it afterwards.
    """

    __tablename__ = "video_signal"
    __table_args__ = (
        UniqueConstraint("appointment_id", "seq"),
        CheckConstraint("sender_role IN ('patient', 'therapist')", name="sender_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("video_appointment.id", ondelete="CASCADE")
    )
    seq: Mapped[int]
    sender_role: Mapped[str] = mapped_column(String(16))
    from_session: Mapped[str] = mapped_column(String(24))
    to_session: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
