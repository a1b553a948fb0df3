"""What programmes tells the caseload page, for many patients in a few queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.db import db, utcnow
from app.html import html
from app.signals import EMPTY_CELL, CaseloadColumn, CaseloadFacts, FactSource, PatientFacts
from programmes import unlocking
from programmes.models import (
    Enrolment,
    ExerciseAnswer,
    HomeworkSubmission,
    ModuleProgress,
    ModuleRecord,
    ModuleUnlock,
    MoodEntry,
    ProgrammeRecord,
)


def _grouped(query) -> dict:
    return dict(db.session.execute(query).all())


@dataclass(frozen=True)
class _ModuleOutline:
    id: int
    optional: bool
    title: str


@dataclass(frozen=True)
class _ProgrammeOutline:
    step: int
    unlock: str
    title: str
    modules: list[_ModuleOutline]


def _outlines(programme_ids: set[int], lang: str) -> dict[int, _ProgrammeOutline]:
    """Each programme's current modules with their titles in ``lang``.

    Only the titles are read out of the JSON in SQL: a module's texts hold its whole body
    in every language (about 250 KB for the shipped content), which the caseload must not
    parse on every request.
    """
    title = ModuleRecord.texts[(lang, "title")].as_string()
    rows = db.session.execute(
        db.select(ModuleRecord.id, ModuleRecord.programme_id, ModuleRecord.optional, title)
        .where(ModuleRecord.programme_id.in_(programme_ids), ModuleRecord.retired_at.is_(None))
        .order_by(ModuleRecord.programme_id, ModuleRecord.position)
    ).all()
    untitled = [module_id for module_id, _p, _o, found in rows if found is None]
    # Content without this language falls back as ModuleRecord.text does (rare: one query).
    fallback = {m.id: m.text("title", lang) for m in db.session.execute(
        db.select(ModuleRecord).where(ModuleRecord.id.in_(untitled))).scalars()
    } if untitled else {}
    modules: dict[int, list[_ModuleOutline]] = {pid: [] for pid in programme_ids}
    for module_id, programme_id, optional, found in rows:
        modules[programme_id].append(
            _ModuleOutline(module_id, optional, fallback[module_id] if found is None else found))
    return {p.id: _ProgrammeOutline(p.step, p.unlock, p.text("title", lang), modules[p.id])
            for p in db.session.execute(
                db.select(ProgrammeRecord).where(ProgrammeRecord.id.in_(programme_ids))
            ).scalars()}


def _module_sets(model, enrolment_ids: list[int], *conditions) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for enrolment_id, module_id in db.session.execute(
        db.select(model.enrolment_id, model.module_id)
        .where(model.enrolment_id.in_(enrolment_ids), *conditions)
    ):
        found.setdefault(enrolment_id, set()).add(module_id)
    return found


def _programme_facts(patient_ids: list[int], lang: str, now,
                     until: dict[int, datetime]) -> dict[int, dict]:
    """Programme, next module and progress of each patient's active enrolments.

    A guided (step 2) programme wins over self-help when a patient has both. ``until``
    receives when each patient's next weekly module opens.
    """
    enrolments = db.session.execute(
        db.select(Enrolment.id, Enrolment.patient_id, Enrolment.programme_id,
                  Enrolment.started_at)
        .where(Enrolment.patient_id.in_(patient_ids), Enrolment.status == "active")
        .order_by(Enrolment.started_at)
    ).all()
    if not enrolments:
        return {}
    outlines = _outlines({e.programme_id for e in enrolments}, lang)
    ids = [e.id for e in enrolments]
    unlocked = _module_sets(ModuleUnlock, ids)
    completed = _module_sets(ModuleProgress, ids, ModuleProgress.completed_at.is_not(None))
    facts: dict[int, dict] = {}
    for enrolment in enrolments:
        outline = outlines[enrolment.programme_id]
        opens = unlocking.next_unlock_at(outline.unlock, module_count=len(outline.modules),
                                         started_at=enrolment.started_at, now=now)
        if opens is not None:
            until[enrolment.patient_id] = min(opens, until.get(enrolment.patient_id, opens))
        row = facts.setdefault(enrolment.patient_id, {})
        if outline.step != 2 and "programme" in row:
            continue
        done = completed.get(enrolment.id, set())
        following = unlocking.next_module(unlocking.open_modules(
            outline.unlock, outline.modules, started_at=enrolment.started_at, now=now,
            unlocked_ids=unlocked.get(enrolment.id, set())), done)
        row["programme"] = outline.title
        row["module"] = following.title if following else None
        row["modules_done"] = (
            # As operations.progress_fraction: the self-help library counts every module.
            (sum(1 for m in outline.modules if m.id in done), len(outline.modules))
            if outline.step == 1 else unlocking.progress(outline.modules, done))
    return facts


@dataclass(frozen=True)
class ProgrammeFacts(PatientFacts):
    """What programmes tells the caseload about one patient."""

    programme: str | None = None  # the guided programme's title, else self-help's
    module: str | None = None  # the next module to do
    modules_done: tuple[int, int] | None = None  # (done, of required)
    homework_waiting: int = 0  # sent and not yet given feedback
    homework_since: datetime | None = None  # the oldest of those
    programme_activity: datetime | None = None  # the latest exercise answer or diary entry

    def waiting_since(self) -> datetime | None:
        return self.homework_since

    def active_at(self) -> datetime | None:
        return self.programme_activity


def _enrolled(column, values) -> set[int]:
    return set(db.session.execute(
        db.select(Enrolment.patient_id).where(column.in_(list(values)))).scalars())


#: The tables programmes' facts come from; a content change reaches everyone enrolled.
SOURCES = (
    FactSource("enrolment"), FactSource("homework_submission"),
    FactSource("exercise_answer"), FactSource("mood_entry"),
    FactSource("module_unlock", "enrolment_id", lambda ids: _enrolled(Enrolment.id, ids)),
    FactSource("module_progress", "enrolment_id", lambda ids: _enrolled(Enrolment.id, ids)),
    FactSource("programme_module", "programme_id",
               lambda ids: _enrolled(Enrolment.programme_id, ids)),
    FactSource("programme", "id", lambda ids: _enrolled(Enrolment.programme_id, ids)),
)


def facts(sender, *, patient_ids: list[int], **_kwargs) -> CaseloadFacts:
    if not patient_ids:
        return CaseloadFacts(ProgrammeFacts, sources=SOURCES)
    found: dict[int, dict] = {pid: {} for pid in patient_ids}
    until: dict[int, datetime] = {}
    programme_facts = _programme_facts(patient_ids, str(get_locale()), utcnow(), until)
    for patient_id, outline in programme_facts.items():
        found[patient_id].update(outline)
    waiting = db.session.execute(
        db.select(HomeworkSubmission.patient_id, func.count(),
                  func.min(HomeworkSubmission.submitted_at))
        .where(HomeworkSubmission.patient_id.in_(patient_ids),
               HomeworkSubmission.feedback_at.is_(None))
        .group_by(HomeworkSubmission.patient_id)
    ).all()
    activity = [
        _grouped(db.select(ExerciseAnswer.patient_id, func.max(ExerciseAnswer.updated_at))
                 .where(ExerciseAnswer.patient_id.in_(patient_ids))
                 .group_by(ExerciseAnswer.patient_id)),
        _grouped(db.select(MoodEntry.patient_id, func.max(MoodEntry.updated_at))
                 .where(MoodEntry.patient_id.in_(patient_ids)).group_by(MoodEntry.patient_id)),
    ]
    for patient_id, count, oldest in waiting:
        found[patient_id]["homework_waiting"] = count
        found[patient_id]["homework_since"] = oldest
    for patient_id in patient_ids:
        times = [latest[patient_id] for latest in activity if latest.get(patient_id)]
        if times:
            found[patient_id]["programme_activity"] = max(times)
    return CaseloadFacts(ProgrammeFacts,
                         {pid: ProgrammeFacts(**values) for pid, values in found.items()},
                         until, SOURCES)


def _programme(row: Any, t: Mapping[str, Any]) -> str:
    facts = row.facts
    # Steps 3 and 4 have no programme: say what the patient is in rather than a bare dash.
    name = facts.programme or {3: t["programmes_video"], 4: t["programmes_referred"]}.get(
        facts.step, EMPTY_CELL)
    if not facts.module:
        return str(name)
    return html('%s<br><span class="muted">%s</span>', name, facts.module)


def _homework(row: Any, t: Mapping[str, Any]) -> str:
    waiting = row.facts.homework_waiting
    if not waiting:
        return ""
    return html('<a href="%s">%s</a><br>', url_for("programmes.homework_queue"),
                ngettext("%(num)s homework", "%(num)s homework", waiting))


def columns(sender, **_kwargs) -> list[CaseloadColumn]:
    return [
        CaseloadColumn("programme", 300, _programme, _l("Programme"), strings={
            "programmes_video": _l("Video treatment"),
            "programmes_referred": _l("Referred to other care")}),
        CaseloadColumn("waiting", 710, _homework),
    ]
