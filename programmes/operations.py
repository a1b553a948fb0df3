"""Writes and reads for programmes. Writes flush; the request (or command) commits once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload

from app import crisis
from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.caseload.loaders import current_therapist_id
from app.caseload.operations import record_contact
from app.db import db, insert_or_ignore, utcnow
from app.signals import PatientText, patient_wrote
from programmes import content, unlocking
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

SELF_HELP_STEP = 1
GUIDED_STEP = 2


# --- loading content -----------------------------------------------------------------------


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _module_payload(programme: content.Programme, slug: str) -> dict[str, Any]:
    texts, blocks = {}, {}
    for lang in programme.languages:
        module = programme.module(slug, lang)
        texts[lang] = {"title": module.title, "summary": module.summary,
                       "body": module.body_markdown}
        blocks[lang] = [{"type": b.type, "id": b.id, "fields": dict(b.fields)}
                        for b in module.blocks]
    first = programme.module(slug, programme.languages[0])
    return {"texts": texts, "blocks": blocks, "minutes": first.minutes,
            "tags": list(first.tags)}


@dataclass
class LoadSummary:
    programmes: int = 0
    modules_added: int = 0
    modules_changed: int = 0
    modules_retired: int = 0


def load_content(root: Path | str) -> LoadSummary:
    """Upsert every programme under content/; versions bump only where the text changed."""
    summary = LoadSummary()
    for programme in content.load_programmes(root).values():
        _load_programme(programme, summary)
        summary.programmes += 1
    db.session.flush()
    return summary


def _load_programme(programme: content.Programme, summary: LoadSummary) -> None:
    record_ = db.session.execute(
        db.select(ProgrammeRecord).where(ProgrammeRecord.slug == programme.slug)
    ).scalar_one_or_none()
    fields = {"step": programme.step, "unlock": programme.unlock,
              "title": dict(programme.title), "description": dict(programme.description),
              "tags": list(programme.tags), "languages": list(programme.languages)}
    payloads = {ref.slug: _module_payload(programme, ref.slug) for ref in programme.module_refs}
    digest = _digest([fields, payloads])
    if record_ is None:
        record_ = ProgrammeRecord(slug=programme.slug, content_hash=digest, **fields)
        db.session.add(record_)
        db.session.flush()
    elif record_.content_hash != digest:
        for key, value in fields.items():
            setattr(record_, key, value)
        record_.version += 1
        record_.content_hash = digest
        record_.loaded_at = utcnow()
    existing = {m.slug: m for m in record_.modules}
    for position, ref in enumerate(programme.module_refs):
        _load_module(record_, existing.pop(ref.slug, None), ref, position, payloads[ref.slug],
                     summary)
    for gone in existing.values():
        if gone.retired_at is None:
            gone.retired_at = utcnow()
            summary.modules_retired += 1


def _load_module(programme: ProgrammeRecord, module: ModuleRecord | None, ref, position: int,
                 payload: dict[str, Any], summary: LoadSummary) -> None:
    digest = _digest(payload)
    if module is None:
        db.session.add(ModuleRecord(programme_id=programme.id, slug=ref.slug, position=position,
                                    optional=ref.optional, content_hash=digest, **payload))
        summary.modules_added += 1
        return
    module.position, module.optional, module.retired_at = position, ref.optional, None
    if module.content_hash != digest:
        for key, value in payload.items():
            setattr(module, key, value)
        module.content_hash = digest
        module.version += 1
        summary.modules_changed += 1


def ensure_content_loaded() -> None:
    """Load content on first use, so a fresh install can enrol without a manual step."""
    if db.session.execute(db.select(ProgrammeRecord.id).limit(1)).first() is None:
        load_content(current_app.config["CONTENT_DIR"])


def as_content_module(module: ModuleRecord, lang: str) -> content.Module:
    """Rebuild the parsed module from what was loaded, to render it."""
    if lang not in module.texts:
        lang = next(iter(module.texts))
    texts = module.texts[lang]
    blocks = tuple(content.Block(type=b["type"], id=b["id"], fields=b["fields"], line=0)
                   for b in module.blocks[lang])
    return content.Module(slug=module.slug, lang=lang, title=texts["title"],
                          summary=texts["summary"], minutes=module.minutes,
                          tags=tuple(module.tags), body_markdown=texts["body"], blocks=blocks,
                          path=Path(module.slug))


def block_of(module: ModuleRecord, block_id: str, lang: str) -> content.Block | None:
    for block in as_content_module(module, lang).blocks:
        if block.id == block_id:
            return block
    return None


# --- enrolment -----------------------------------------------------------------------------


def programme_by_slug(slug: str) -> ProgrammeRecord | None:
    return db.session.execute(
        db.select(ProgrammeRecord).where(ProgrammeRecord.slug == slug)
    ).scalar_one_or_none()


def active_enrolments(patient: User) -> list[Enrolment]:
    return list(db.session.execute(
        db.select(Enrolment)
        .options(selectinload(Enrolment.programme).selectinload(ProgrammeRecord.modules),
                 selectinload(Enrolment.unlocks), selectinload(Enrolment.progress))
        .where(Enrolment.patient_id == patient.id, Enrolment.status == "active")
        .order_by(Enrolment.started_at)
    ).scalars())


def enrol(patient: User, programme: ProgrammeRecord, therapist: User | None) -> Enrolment:
    """Enrol once: an active enrolment in the same programme is kept as it is."""
    for existing in active_enrolments(patient):
        if existing.programme_id == programme.id:
            return existing
    enrolment = Enrolment(patient_id=patient.id, programme_id=programme.id,
                          therapist_id=therapist.id if therapist else None)
    return add_recorded(enrolment, "enrolment", patient_id=patient.id)


def end_enrolment(enrolment: Enrolment) -> None:
    enrolment.status, enrolment.ended_at = "ended", utcnow()
    db.session.flush()
    record(Action.UPDATE, "enrolment", enrolment.id, patient_id=enrolment.patient_id)


def choose_guided_programme(context: dict[str, Any] | None) -> str:
    """Anxiety when worry is the bigger problem by the screening, otherwise depression."""
    facts = context or {}
    phq9, gad7 = facts.get("phq9_total") or 0, facts.get("gad7_total") or 0
    # Compare how far each is into its clinical range (PHQ-9 caseness 10, GAD-7 caseness 8).
    return "anxiety" if gad7 / 8 > phq9 / 10 else "depression"


def enrol_for_step(patient: User, step: int, therapist: User | None,
                   context: dict[str, Any] | None) -> Enrolment | None:
    ensure_content_loaded()
    if step == SELF_HELP_STEP:
        programme = next(iter(_programmes_for_step(SELF_HELP_STEP)), None)
        return enrol(patient, programme, None) if programme else None
    if step == GUIDED_STEP:
        programme = programme_by_slug(choose_guided_programme(context))
        if programme is None:
            programme = next(iter(_programmes_for_step(GUIDED_STEP)), None)
        if programme is None:
            return None
        therapist = therapist or db.session.get(User, current_therapist_id(patient.id) or 0)
        return enrol(patient, programme, therapist)
    return None


def _programmes_for_step(step: int) -> list[ProgrammeRecord]:
    return list(db.session.execute(
        db.select(ProgrammeRecord).where(ProgrammeRecord.step == step)
        .order_by(ProgrammeRecord.slug)
    ).scalars())


# --- unlocking and progress ----------------------------------------------------------------


def open_modules(enrolment: Enrolment, now: datetime | None = None) -> list[ModuleRecord]:
    return unlocking.open_modules(
        enrolment.programme.unlock, enrolment.programme.current_modules,
        started_at=enrolment.started_at, now=now or utcnow(),
        unlocked_ids={u.module_id for u in enrolment.unlocks})


def completed_ids(enrolment: Enrolment) -> set[int]:
    return {p.module_id for p in enrolment.progress if p.completed_at is not None}


def progress_fraction(enrolment: Enrolment) -> tuple[int, int]:
    modules = enrolment.programme.current_modules
    if enrolment.programme.step == 1:
        # The self-help library has no required path: every module it lists is one the
        # patient can complete, so "0 of 1" beside seven modules reads as a fault.
        done = completed_ids(enrolment)
        return sum(1 for m in modules if m.id in done), len(modules)
    return unlocking.progress(modules, completed_ids(enrolment))


def next_module(enrolment: Enrolment) -> ModuleRecord | None:
    return unlocking.next_module(open_modules(enrolment), completed_ids(enrolment))


def unlock_module(enrolment: Enrolment, module: ModuleRecord, by: User) -> None:
    if any(u.module_id == module.id for u in enrolment.unlocks):
        return
    inserted = insert_or_ignore(ModuleUnlock, enrolment_id=enrolment.id, module_id=module.id,
                                unlocked_by_id=by.id)
    db.session.expire(enrolment, ["unlocks"])
    if not inserted:
        return  # unlocked a moment ago from another tab
    record(Action.UPDATE, "enrolment", enrolment.id, patient_id=enrolment.patient_id)


def mark_opened(enrolment: Enrolment, module: ModuleRecord) -> None:
    if not any(p.module_id == module.id for p in enrolment.progress):
        # The patient's other tab may open the module at the same moment.
        insert_or_ignore(ModuleProgress, enrolment_id=enrolment.id, module_id=module.id)
        db.session.expire(enrolment, ["progress"])


def complete_module(enrolment: Enrolment, module: ModuleRecord) -> None:
    mark_opened(enrolment, module)
    for progress in enrolment.progress:
        if progress.module_id == module.id and progress.completed_at is None:
            progress.completed_at = utcnow()
    db.session.flush()
    record(Action.UPDATE, "module_progress", module.id, patient_id=enrolment.patient_id)


# --- exercise answers ----------------------------------------------------------------------


def answers_for(patient: User, module: ModuleRecord) -> dict[str, ExerciseAnswer]:
    rows = db.session.execute(
        db.select(ExerciseAnswer).where(ExerciseAnswer.patient_id == patient.id,
                                        ExerciseAnswer.module_id == module.id)
    ).scalars()
    return {row.block_id: row for row in rows}


def _answer_of(patient: User, module: ModuleRecord, block_id: str) -> ExerciseAnswer | None:
    return db.session.execute(
        db.select(ExerciseAnswer).where(ExerciseAnswer.patient_id == patient.id,
                                        ExerciseAnswer.module_id == module.id,
                                        ExerciseAnswer.block_id == block_id)
    ).scalar_one_or_none()


def save_answer(patient: User, module: ModuleRecord, block: content.Block,
                data: dict[str, Any]) -> ExerciseAnswer:
    answer = _answer_of(patient, module, block.id)
    created = answer is None and insert_or_ignore(
        ExerciseAnswer, patient_id=patient.id, module_id=module.id, block_id=block.id,
        block_type=block.type, data=data, module_version=module.version,
    )
    if answer is None:  # inserted just now, or a moment ago by the patient's other tab
        answer = _answer_of(patient, module, block.id)
    before = set() if created else _strings(answer.data)
    if not created:
        answer.data, answer.module_version = data, module.version
        answer.updated_at, answer.saves = utcnow(), answer.saves + 1
    action = Action.CREATE if created else Action.UPDATE
    db.session.flush()
    record(action, "exercise_answer", answer.id, patient_id=patient.id)
    for text in sorted(_strings(data) - before):  # only what is new since the last save
        if patient_wrote(PatientText(patient, text, "exercise")):
            crisis.offer_now()
    return answer


def _strings(value: Any) -> set[str]:
    """Every non-empty string inside an answer's data (nested lists and dicts too)."""
    if isinstance(value, str):
        return {value} if value.strip() else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def submit_homework(patient: User, module: ModuleRecord, answer: ExerciseAnswer,
                    therapist_id: int | None) -> HomeworkSubmission:
    submission = HomeworkSubmission(
        patient_id=patient.id, therapist_id=therapist_id, answer_id=answer.id,
        module_id=module.id, text=answer.data.get("text", ""),
    )
    return add_recorded(submission, "homework", patient_id=patient.id)


def give_feedback(submission: HomeworkSubmission, *, by: User, text: str) -> None:
    write_feedback(submission, "homework", by=by, text=text)


def write_feedback(target, resource: str, *, by: User, text: str) -> None:
    """The therapist's written feedback on homework or a VR session (both carry the same
    feedback columns); the patient sees it as unread."""
    target.feedback = text.strip()
    target.feedback_by_id = by.id
    target.feedback_at = utcnow()
    target.feedback_read_at = None
    db.session.flush()
    record(Action.UPDATE, resource, target.id, patient_id=target.patient_id)
    # In guided internet CBT, each written review is a treatment contact.
    record_contact(target.patient_id, by.id, "feedback", source_id=f"{resource}:{target.id}")


def submissions_for(patient: User) -> list[HomeworkSubmission]:
    return list(db.session.execute(
        db.select(HomeworkSubmission)
        .options(selectinload(HomeworkSubmission.module))
        .where(HomeworkSubmission.patient_id == patient.id)
        .order_by(HomeworkSubmission.submitted_at.desc())
    ).scalars())


def homework_awaiting(therapist: User) -> list[HomeworkSubmission]:
    return list(db.session.execute(
        db.select(HomeworkSubmission)
        .options(selectinload(HomeworkSubmission.patient),
                 selectinload(HomeworkSubmission.module))
        .where(HomeworkSubmission.therapist_id == therapist.id,
               HomeworkSubmission.feedback_at.is_(None))
        .order_by(HomeworkSubmission.submitted_at)
    ).scalars())


def mark_feedback_read(targets: list) -> None:  # homework submissions or VR sessions
    now = utcnow()
    for target in targets:
        if target.feedback_at and target.feedback_read_at is None:
            target.feedback_read_at = now
    db.session.flush()


def last_activity(patient: User) -> datetime | None:
    """The latest thing the patient did in a programme or the diary."""
    candidates = [
        db.select(db.func.max(ExerciseAnswer.updated_at))
        .where(ExerciseAnswer.patient_id == patient.id),
        db.select(db.func.max(MoodEntry.updated_at)).where(MoodEntry.patient_id == patient.id),
        db.select(db.func.max(HomeworkSubmission.submitted_at))
        .where(HomeworkSubmission.patient_id == patient.id),
    ]
    found = [db.session.execute(q).scalar_one() for q in candidates]
    return max((f for f in found if f is not None), default=None)


def next_unlock(enrolment: Enrolment) -> datetime | None:
    return unlocking.next_unlock_at(
        enrolment.programme.unlock, module_count=len(enrolment.programme.current_modules),
        started_at=enrolment.started_at, now=utcnow(),
    )
