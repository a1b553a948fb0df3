"""What programmes adds to the core's pages (menu, home, patient record), and how it follows
the patient's step of care.

Every receiver reads what its template shows before any template renders.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import dates
from app.accounts.forms import ConfirmForm
from app.accounts.models import User
from app.caseload.loaders import current_therapist_id
from app.signals import NavEntry, Panel, StepChange
from programmes import charts, diary, operations, vr, vr_care, vr_therapist
from programmes.models import Enrolment


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
                 if s.feedback_at and s.feedback_read_at is None) + vr_care.unread_feedback(patient)
    return Panel(order=20, template="programmes/_home_panel.html", context={
        "enrolments": [(e, operations.progress_fraction(e), operations.next_module(e))
                       for e in enrolments],
        "unread_feedback": unread,
        "mood_today": any(e.day == date.today() for e in diary.mood_entries(patient, 1)),
    })


def _enrolments(patient: User) -> list[Enrolment]:
    """The patient's active enrolments, read once for all the panels of one page (the
    record shows two that need them); a panel only reads, so nothing changes them between."""
    cache = g.setdefault("programme_panel_enrolments", {})
    if patient.id not in cache:
        cache[patient.id] = operations.active_enrolments(patient)
    return cache[patient.id]


def record_panel(patient: User) -> Panel:
    enrolments = _enrolments(patient)
    return Panel(order=30, template="programmes/_record_panel.html", context={
        "enrolments": [(e, operations.progress_fraction(e), operations.open_modules(e),
                        operations.completed_ids(e)) for e in enrolments],
        "submissions": operations.submissions_for(patient),
        **_mood_context(patient),
        "form": ConfirmForm(),
    })


def _mood_context(patient: User) -> dict:
    """The patient's last 30 diary days, as a chart and a table, for the therapist."""
    today = diary.clinic_today()
    entries = [e for e in diary.mood_entries(patient, charts.DAYS)
               if e.day > today - timedelta(days=charts.DAYS)]
    title = _("%(name)s's mood over the last 30 days, from 0 (very low) to 10 (very good)",
              name=patient.name)
    return {"moods": entries,
            "mood_chart": charts.mood_chart(entries, today, title) if entries else None}


def on_step_assigned(sender: User, *, change: StepChange, **_kwargs) -> None:
    """Enrol in the step's programme; a discharge ends the programmes with the episode."""
    if change.step is None:
        for enrolment in operations.active_enrolments(change.patient):
            operations.end_enrolment(enrolment)
        return
    operations.enrol_for_step(change.patient, change.step, change.therapist, change.context)


def vr_panel(patient: User) -> Panel | None:
    """The patient's VR exposure: assigned scenes (the own therapist assigns), and each
    session's SUDS curve, highest level and feedback. Left out without scenes or sessions."""
    scenes = vr_care.available_scenes(patient, _enrolments(patient))
    sessions = vr.sessions_for(patient)
    assignments = vr_care.assignments_for(patient)
    if not (scenes or sessions or assignments):
        return None
    rows = []
    for session in sessions:
        title = _("%(name)s's anxiety (SUDS 0-100) in the %(scene)s scene on %(when)s",
                  name=patient.name, scene=vr.scene_name(session.scene),
                  when=dates.text(session.started_at, "date"))
        chart = vr.suds_chart(session, title) if session.ratings else None
        rows.append((session, chart))
    may_act = current_user.is_therapist and current_therapist_id(patient.id) == current_user.id
    return Panel(order=35, template="programmes/_vr_panel.html", context={
        "patient": patient, "sessions": rows, "label": vr.rating_label,
        "scene_name": vr.scene_name, "levels": {s.id: vr.level_count(s) for s in sessions},
        "assignments": assignments, "may_act": may_act, "confirm": ConfirmForm(),
        "form": vr_therapist.assign_form(patient, scenes=scenes) if may_act else None})
