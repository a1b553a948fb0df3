"""What programmes adds to the core's pages (menu, home, patient record), and how it follows
the patient's step of care.

Every receiver reads what its template shows before any template renders.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.accounts.forms import ConfirmForm
from app.accounts.models import User
from app.signals import NavEntry, Panel, StepChange
from programmes import diary, operations


def nav(user: User) -> list[NavEntry]:
    if user.is_patient:
        return [NavEntry(20, _l("Programmes"), "programmes.index"),
                NavEntry(30, _l("Diary"), "programmes.diary")]
    if user.is_therapist:
        return [NavEntry(20, _l("Homework"), "programmes.homework_queue")]
    return []


def home_panel(patient: User) -> Panel:
    enrolments = operations.active_enrolments(patient)
    unread = sum(1 for s in operations.submissions_for(patient)
                 if s.feedback_at and s.feedback_read_at is None)
    return Panel(order=20, template="programmes/_home_panel.html", context={
        "enrolments": [(e, operations.progress_fraction(e), operations.next_module(e))
                       for e in enrolments],
        "unread_feedback": unread,
        "mood_today": any(e.day == date.today() for e in diary.mood_entries(patient, 1)),
    })


def record_panel(patient: User) -> Panel:
    enrolments = operations.active_enrolments(patient)
    return Panel(order=30, template="programmes/_record_panel.html", context={
        "enrolments": [(e, operations.progress_fraction(e), operations.open_modules(e),
                        operations.completed_ids(e)) for e in enrolments],
        "submissions": operations.submissions_for(patient),
        "moods": diary.mood_entries(patient, 14),
        "form": ConfirmForm(),
    })


def on_step_assigned(sender: User, *, change: StepChange, **_kwargs) -> None:
    """Enrol in the step's programme; a discharge ends the programmes with the episode."""
    if change.step is None:
        for enrolment in operations.active_enrolments(change.patient):
            operations.end_enrolment(enrolment)
        return
    operations.enrol_for_step(change.patient, change.step, change.therapist, change.context)
