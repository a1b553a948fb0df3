"""What messaging adds to the core's pages: menu entries, the home panel, caseload facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import User
from app.caseload.loaders import current_therapist_id
from app.html import html
from app.messaging import operations
from app.messaging.timing import add_working_days
from app.signals import (
    CaseloadColumn,
    CaseloadFacts,
    FactSource,
    NavEntry,
    Panel,
    PatientFacts,
)


def nav(user: User) -> list[NavEntry]:
    if user.is_patient:
        return [NavEntry(40, _l("Messages"), "messaging.patient_thread")]
    if user.is_therapist:
        return [NavEntry(40, _l("Messages"), "messaging.inbox")]
    return []


def home_panel(patient: User) -> Panel:
    return Panel(order=15, template="messaging/_home_panel.html",
                 context={"unread": operations.unread_for_patient(patient),
                          "has_therapist": current_therapist_id(patient.id) is not None})


@dataclass(frozen=True)
class MessageFacts(PatientFacts):
    """A patient's thread, as the caseload shows it."""

    unread_messages: int = 0  # from the patient, not yet read by the care team
    messages_overdue: bool = False  # unanswered past the response target
    last_message_at: datetime | None = None
    awaiting_reply_since: datetime | None = None  # the oldest unanswered patient message

    def waiting_since(self) -> datetime | None:
        return self.awaiting_reply_since

    def active_at(self) -> datetime | None:
        return self.last_message_at if self.unread_messages else None


SOURCES = (FactSource("message"),)


def facts(sender: User | None, *, patient_ids: list[int], **_kwargs) -> CaseloadFacts:
    threads = operations.summaries(patient_ids)
    target = current_app.config["MESSAGE_RESPONSE_WORKING_DAYS"]
    return CaseloadFacts(MessageFacts, {
        patient_id: MessageFacts(thread.unread, bool(thread.overdue), thread.last_at,
                                 thread.awaiting_since)
        for patient_id, thread in threads.items()
    }, valid_until={  # an unanswered message falls overdue
        patient_id: add_working_days(thread.awaiting_since, target)
        for patient_id, thread in threads.items()
        if thread.awaiting_since is not None and not thread.overdue
    }, sources=SOURCES)


def _unread(row: Any, t: Mapping[str, Any]) -> str:
    facts = row.facts
    if not facts.unread_messages:
        return ""
    shown = html('<a href="%s">%s</a>',
                 url_for("messaging.therapist_thread", patient_id=row.patient_id),
                 ngettext("%(num)s message", "%(num)s messages", facts.unread_messages))
    if facts.messages_overdue:
        shown += html(' <span class="badge badge-danger">%s</span>', t["messaging_overdue"])
    return shown


def columns(sender: User) -> list[CaseloadColumn]:
    return [CaseloadColumn("waiting", 720, _unread, strings={"messaging_overdue": _l("Overdue")})]
