"""Reminders (by email, push or both) that bring people back, revealing nothing of health.

Domains answer the ``collect_reminders`` signal with the reminders that are due;
``flask --app app send-reminders`` (cron-friendly) sends each one at most once:
its key is claimed in the database before the email goes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Mail, Message
from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow
from app.push import sender as push_sender
from app.signals import Reminder, collect_reminders, flattened

mail = Mail()


class ReminderSent(db.Model):
    """One row per reminder sent; the unique key is what makes sending idempotent."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _subject(kind: str) -> str:
    # Deliberately vague: an email can be read over a shoulder or on a lock screen.
    return {
        "inactive": _("We have not seen you in Stepcare for a while"),
        "appointment": _("You have an appointment in Stepcare soon"),
    }.get(kind, _("There is something new for you in Stepcare"))


def _body(user: User) -> str:
    link = current_app.config["BASE_URL"].rstrip("/") + "/login"
    return "\n\n".join([
        _("Hello %(name)s,", name=user.name.split()[0]),
        _("There is something waiting for you in Stepcare. Sign in to see it:"),
        link,
        _("You get these emails because reminders are on for your account. You can turn "
          "them off on your account page in Stepcare."),
    ])


def due_reminders(now: datetime) -> list[Reminder]:
    reminders: list[Reminder] = flattened(collect_reminders, current_app._get_current_object(),
                                          now=now)
    # An unverified address may be a stranger's (a typo at registration): write nothing to it.
    return [r for r in reminders
            if not r.user.reminders_opt_out and r.user.is_active and r.user.email_verified]


def _claim(reminder: Reminder) -> bool:
    """Record the reminder as sent; False if it already was (by this or another run)."""
    db.session.add(ReminderSent(user_id=reminder.user.id, kind=reminder.kind, key=reminder.key))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _unclaim(key: str) -> None:
    db.session.execute(db.delete(ReminderSent).where(ReminderSent.key == key))
    db.session.commit()


def _pushed(user: User) -> bool:
    """Push the reminder if the patient chose push; True if a device took it."""
    if user.reminder_channel not in ("push", "both"):
        return False
    delivered = push_sender.send_to(user) > 0
    db.session.commit()  # keep what the push services said (gone devices, last success)
    return delivered


def send(reminder: Reminder) -> bool:
    """Send one reminder unless it was sent before; a failed send is retried next run.

    By the patient's choice it goes by email, push or both. Push only, but no device took
    it (none subscribed, push off, the services failing): it goes by email instead, so that
    no reminder is lost.
    """
    if not _claim(reminder):
        return False
    user = reminder.user
    if _pushed(user) and user.reminder_channel == "push":
        return True
    with force_locale(user.language):
        message = Message(subject=_subject(reminder.kind), recipients=[user.email],
                          body=_body(user))
    try:
        mail.send(message)
    except Exception:
        _unclaim(reminder.key)
        raise
    return True


def already_sent(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(db.session.execute(
        db.select(ReminderSent.key).where(ReminderSent.key.in_(keys))
    ).scalars())


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Email every reminder that is due and not sent yet (safe to run as often as you like)."""
    pending = due_reminders(utcnow())
    done = already_sent(r.key for r in pending)
    pending = [r for r in pending if r.key not in done]
    sent = failed = 0
    with click.progressbar(pending, label="Sending reminders", show_pos=True) as bar:
        for reminder in bar:
            try:
                sent += send(reminder)
            except Exception as exc:  # noqa: BLE001 - one bad address must not stop the rest
                failed += 1
                current_app.logger.warning("reminder %s not sent: %s", reminder.key, exc)
    click.echo(f"Sent {sent} reminder(s); {failed} failed and will be retried next run.")


def init_app(app: Flask) -> None:
    mail.init_app(app)
    app.cli.add_command(send_reminders_command)
