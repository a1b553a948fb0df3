"""Telling clinicians at once that something needs them: email and a signed webhook.

A domain that raises an alert calls :func:`notify_clinicians`. Each message to each
recipient is a :class:`ClinicianNotification` row, written with the alert; in a request the
messages go out as soon as it has committed (before the response reaches the browser),
elsewhere at once. A failure stays visible as a row, and ``retry_failed`` (run by
``flask escalate-alerts``) tries it again. Nothing here ever raises into the caller: the
patient's request comes first.

Neither channel carries health data or the patient's name: an email or a webhook can be
read on a lock screen or in a chat channel. They say that a patient needs a prompt review,
and link to the alert, behind sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record
from app.config import ConfigError
from app.db import UTCDateTime, db, utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Stepcare-Signature"
WEBHOOK_TIMEOUT_SECONDS = 5
# A day of retries by escalate-alerts every 15 minutes; then it stays failed and visible.
MAX_ATTEMPTS = 96
UNDELIVERED_SHOWN_DAYS = 7  # how long the alerts page warns of an undelivered notification

PENDING = "stepcare_pending_notifications"  # on flask.g: this request's, sent after commit

# While set, notifications are recorded but not sent (the demo must not email anyone).
_holding: ContextVar[bool] = ContextVar("stepcare_notify_holding", default=False)


@contextmanager
def holding() -> Iterator[None]:
    token = _holding.set(True)
    try:
        yield
    finally:
        _holding.reset(token)


class ClinicianNotification(db.Model):
    """One message about one alert to one recipient on one channel."""

    __tablename__ = "clinician_notification"
    __table_args__ = (Index("ix_clinician_notification_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_kind: Mapped[str] = mapped_column(String(32))  # e.g. "risk_alert"
    alert_id: Mapped[int]
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    event: Mapped[str] = mapped_column(String(24))  # raised | escalated | escalated_again
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recipient: Mapped[str] = mapped_column(String(254))  # an email address, or "webhook"
    link: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- who -------------------------------------------------------------------------------------


def responsible_clinicians(therapist_id: int | None) -> list[User]:
    """The patient's therapist; without one, every clinician on duty; with nobody on
    duty, the administrators, so that an alert always reaches someone who can act."""
    if therapist_id is not None:
        therapist = db.session.get(User, therapist_id)
        if therapist is not None and therapist.is_active:
            return [therapist]
    on_duty = _active(db.select(User).where(User.role == Role.THERAPIST, User.on_duty))
    return on_duty or administrators()


def administrators() -> list[User]:
    return _active(db.select(User).where(User.role == Role.ADMIN))


def _active(query) -> list[User]:
    return [u for u in db.session.execute(query.order_by(User.id)).scalars() if u.is_active]


# --- what ------------------------------------------------------------------------------------


def _subject(event: str) -> str:
    if event == "raised":
        return _("A patient needs a prompt review in Stepcare")
    return _("Overdue: a patient still needs a prompt review in Stepcare")


def _email_body(event: str, link: str) -> str:
    lines = [_subject(event) + ".", _("Sign in to see it:"), link]
    if event != "raised":
        lines.insert(1, _("Nobody has marked it as handled by its deadline."))
    return "\n\n".join(lines)


def webhook_body(row: ClinicianNotification) -> bytes:
    """The JSON a webhook receives: what to look at, never who or why."""
    return json.dumps({
        "text": "A patient needs a prompt review in Stepcare",
        "event": row.event,
        "alert": row.alert_id,
        "url": row.link,
        "created_at": row.created_at.isoformat(),
    }, sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- sending ---------------------------------------------------------------------------------


def _deliver_email(row: ClinicianNotification) -> None:
    from app.reminders import mail

    user = db.session.get(User, row.recipient_id) if row.recipient_id else None
    with force_locale(user.language if user else current_app.config["DEFAULT_LANGUAGE"]):
        message = Message(subject=_subject(row.event), recipients=[row.recipient],
                          body=_email_body(row.event, row.link))
    mail.send(message)


def _deliver_webhook(row: ClinicianNotification) -> None:
    url = current_app.config["ALERT_WEBHOOK_URL"]
    if not url.startswith(("https://", "http://")):
        raise RuntimeError("STEPCARE_ALERT_WEBHOOK_URL must be an http(s) URL")
    body = webhook_body(row)
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(current_app.config["ALERT_WEBHOOK_SECRET"] or "", body),
    })
    # The scheme is checked above: only http(s), never file: or custom schemes.
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")


def deliver(row: ClinicianNotification) -> bool:
    """Try once; record the outcome. Never raises."""
    row.attempts += 1
    try:
        (_deliver_email if row.channel == "email" else _deliver_webhook)(row)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, none reaches the patient
        row.status, row.last_error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
        log.warning("notification %s (%s) failed: %s", row.id, row.channel, row.last_error)
    else:
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
    db.session.flush()
    return row.status == "sent"


def alert_link(endpoint_path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + endpoint_path


def notify_clinicians(
    *,
    alert_kind: str,
    alert_id: int,
    patient_id: int | None,
    event: str,
    recipients: Sequence[User],
    path: str,
    extra_emails: Iterable[str] = (),
) -> list[ClinicianNotification]:
    """Queue and send one email per recipient, and the webhook if configured.

    ``path`` is the alert's page (``/alerts/7``). Never raises: a failure stays as a
    failed row for ``retry_failed``.
    """
    try:
        with db.session.begin_nested():
            rows = _queue(alert_kind, alert_id, patient_id, event, recipients, path,
                          extra_emails)
    except Exception:  # noqa: BLE001 - never fail the request that raised the alert
        log.exception("could not queue notifications for %s %s", alert_kind, alert_id)
        return []
    if _holding.get():
        return rows
    if has_request_context():
        # Sent once the request has committed: never about an alert that was rolled back,
        # and no database lock is held while a mail server or webhook answers.
        g.setdefault(PENDING, []).extend(row.id for row in rows)
    else:
        for row in rows:
            deliver(row)
    return rows


def _deliver_pending(_exc: BaseException | None) -> None:
    ids = g.pop(PENDING, None)
    if not ids:
        return
    try:
        for row in db.session.execute(
                db.select(ClinicianNotification).where(ClinicianNotification.id.in_(ids),
                                                       ClinicianNotification.status != "sent")
                .order_by(ClinicianNotification.id)).scalars().all():
            deliver(row)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the rows stay pending for escalate-alerts
        log.exception("could not send the notifications of this request")
        db.session.rollback()


def check_settings(config: Any) -> None:
    """A webhook that cannot be sent, or that anyone could forge, stops the app starting."""
    url = config.get("ALERT_WEBHOOK_URL") or ""
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"STEPCARE_ALERT_WEBHOOK_URL must start with https://, got {url!r}.")
    if url and not config.get("ALERT_WEBHOOK_SECRET") and config.get("ENV") == "production":
        raise ConfigError("STEPCARE_ALERT_WEBHOOK_URL is set without "
                          "STEPCARE_ALERT_WEBHOOK_SECRET (or _FILE): the receiver could not "
                          "tell our calls from forged ones.")


def init_app(app: Flask) -> None:
    check_settings(app.config)
    app.teardown_request(_deliver_pending)


def _queue(alert_kind, alert_id, patient_id, event, recipients, path, extra_emails):
    link = alert_link(path)
    targets = [(u.id, u.email) for u in recipients]
    seen = {email.casefold() for _id, email in targets}
    targets += [(None, e) for e in extra_emails if e and e.casefold() not in seen]
    if current_app.config["ALERT_WEBHOOK_URL"]:
        targets.append((None, "webhook"))
    rows = [ClinicianNotification(
        alert_kind=alert_kind, alert_id=alert_id, patient_id=patient_id, event=event,
        channel="webhook" if address == "webhook" else "email", recipient_id=user_id,
        recipient=address, link=link) for user_id, address in targets]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        record(Action.CREATE, "clinician_notification", row.id, patient_id=patient_id)
    return rows


def retry_failed() -> tuple[int, int]:
    """Send again every notification that has not gone out; (sent, still failing)."""
    rows = db.session.execute(
        db.select(ClinicianNotification).where(ClinicianNotification.status != "sent",
                                               ClinicianNotification.attempts < MAX_ATTEMPTS)
        .order_by(ClinicianNotification.id)
    ).scalars().all()
    sent = sum(deliver(row) for row in rows)
    for row in rows:
        record(Action.UPDATE, "clinician_notification", row.id, patient_id=row.patient_id)
    return sent, len(rows) - sent


def undelivered_count() -> int:
    """Notifications that have not gone out: an administrator must see that at once."""
    since = utcnow() - timedelta(days=UNDELIVERED_SHOWN_DAYS)
    return db.session.execute(
        db.select(db.func.count()).select_from(ClinicianNotification)
        .where(ClinicianNotification.status != "sent",
               ClinicianNotification.created_at >= since)).scalar_one()


def settle_held_for_demo() -> None:
    """The demo's held notifications: sent a moment after queueing, but the last one."""
    held = db.session.execute(
        db.select(ClinicianNotification).where(ClinicianNotification.attempts == 0)
        .order_by(ClinicianNotification.id)).scalars().all()
    for row in held:
        row.attempts = 1
        row.status, row.sent_at = "sent", row.created_at + timedelta(seconds=4)
    if held:
        held[-1].status, held[-1].sent_at = "failed", None
        held[-1].last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
    db.session.flush()


def for_alert(alert_kind: str, alert_id: int) -> list[ClinicianNotification]:
    return list(db.session.execute(
        db.select(ClinicianNotification).where(ClinicianNotification.alert_kind == alert_kind,
                                               ClinicianNotification.alert_id == alert_id)
        .order_by(ClinicianNotification.id)
    ).scalars())
