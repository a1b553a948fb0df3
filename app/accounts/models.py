"""People who use Stepcare, their sessions, second factors and consents."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, db, utcnow


class Role(StrEnum):
    PATIENT = "patient"
    THERAPIST = "therapist"
    ADMIN = "admin"

    @property
    def is_clinician(self) -> bool:
        return self in (Role.THERAPIST, Role.ADMIN)


LANGUAGES = ("da", "en")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint("role IN ('patient', 'therapist', 'admin')", name="role"),
        CheckConstraint("language IN ('da', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="da")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time-step accepted, so that a code works only once.
    totp_last_counter: Mapped[int | None]
    # Duty therapists triage patients who have no therapist yet, and their risk alerts.
    on_duty: Mapped[bool] = mapped_column(default=False)
    # Reminder emails carry no health information, but people may still opt out.
    reminders_opt_out: Mapped[bool] = mapped_column(default=False)
    # How reminders reach a patient: "email", "push" or "both" (app.push).
    reminder_channel: Mapped[str] = mapped_column(String(8), default="email",
                                                  server_default="email")
    # De-identified research exports include a patient unless she opts out (app.erasure).
    research_opt_out: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # How a clinician reaches a patient after a risk alert (E.164, e.g. +4512345678).
    phone: Mapped[str | None] = mapped_column(String(20))
    gp_practice: Mapped[str | None] = mapped_column(String(160))
    emergency_name: Mapped[str | None] = mapped_column(String(120))
    emergency_relation: Mapped[str | None] = mapped_column(String(60))
    emergency_phone: Mapped[str | None] = mapped_column(String(20))
    # Until set, no reminder or notification email goes to the address: it may be a
    # stranger's. Staff accounts (made by an admin) and accounts from before 0012 count.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.disabled_at is None

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """A login, kept on the server so that logout and disabling can end it."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token in the cookie: a leaked table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # Crisis help owed on the next page after a risky disclosure (app.crisis.offer_now).
    crisis_offer: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()


class AccountToken(db.Model):
    """A single-use link sent by email: a password reset, an email verification, or a
    change of email address (then ``email`` is the new address, not yet the user's).

    Only the SHA-256 of the random token is stored, so a leaked table opens nothing.
    """

    __tablename__ = "account_token"
    __table_args__ = (CheckConstraint("purpose IN ('reset', 'verify', 'change')",
                                      name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    # The address the link was sent to: a verification counts only for that address,
    # and a change makes it the user's.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class KeptDraft(db.Model):
    """A form that arrived after its sender's session had expired, kept for them alone.

    The browser holds only a random token; the text stays here, so nothing a patient
    wrote travels in a readable cookie. Only the same person, signed in again, sees it.
    """

    __tablename__ = "kept_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the form was going, and its fields as [name, value] pairs (a field may repeat).
    path: Mapped[str] = mapped_column(String(2048))
    fields: Mapped[list[list[str]]] = mapped_column(JSON)


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Consent(db.Model):
    """A patient's acceptance of a version of the treatment terms."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    terms_version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    language: Mapped[str] = mapped_column(String(5))
    terms_text_sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class OidcLink(db.Model):
    """An account at an OpenID provider that may sign in as this user.

    The provider's subject (``sub``) names the person there; a national identifier is
    kept only if the provider's configured claim carried one.
    """

    __tablename__ = "oidc_link"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    national_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
