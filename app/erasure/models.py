"""A patient's request to have her data erased."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class ErasureStatus(StrEnum):
    PENDING = "pending"
    PURGED = "purged"  # the record was deleted after the retention period
    ANONYMISED = "anonymised"  # an admin anonymised an account without clinical entries


class ErasureRequest(db.Model):
    """Kept after the purge (it then points at the anonymised account stub)."""

    __tablename__ = "erasure_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'purged', 'anonymised')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ErasureStatus.PENDING)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
