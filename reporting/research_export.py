"""The de-identified research export: a SQLite file, ready for Datasette.

What goes out: a fresh random pseudonym per patient (new in every export, never derived
from an id), an age band instead of the date of birth, whole days since the patient's
baseline instead of dates, steps of care, follow-ups after discharge, and PHQ-9, GAD-7 and
WSAS totals and item scores with their LOINC codes. What never goes out: names, emails,
dates of birth, dates and times, IP addresses, database ids, and free text of any kind
(intake answers, notes, messages, reasons). Each export writes a disclosure row and an
audit row per patient.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlite_utils
from flask import current_app
from sqlalchemy import or_
from sqlalchemy.orm import aliased

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record_many
from app.caseload.models import Disclosure, StepAssignment
from app.db import db, utcnow
from app.erasure.models import ErasureRequest
from screening.instruments import Instrument, load_instrument
from screening.models import Answer, FollowUp, QuestionnaireResponse, Screening

FORMAT = "stepcare-research-export 1"
INSTRUMENT_IDS = ("phq9", "gad7", "wsas")
AGE_BANDS = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))
CHUNK = 500  # patients per round of queries
SECONDS_PER_DAY = 86400

COLUMNS: dict[str, dict[str, str]] = {
    "patients": {
        "pseudonym": "Random for this export only: the same person has another in the next.",
        "age_band": "Age in years at baseline, in bands (18-24 ... 65+); empty if unknown.",
        "current_step": "Step of care on the day of the export (1-4); empty if none.",
    },
    "screenings": {
        "pseudonym": "The patient.",
        "day": "Days since the patient's baseline (0 = the day of the first screening).",
        "recommended_step": "The step the routing rules recommended (1-4).",
        "confirmed_step": "The step a therapist confirmed; empty if not reviewed yet.",
    },
    "step_history": {
        "pseudonym": "The patient.",
        "step": "Step of care (1 self-help, 2 guided online, 3 video, 4 referral).",
        "start_day": "Days since baseline when this step began.",
        "end_day": "Days since baseline when it ended; empty while it goes on.",
        "end_reason": "Set when the episode ended here: completed, dropped_out, "
                      "referred_on or other. Empty when the step simply changed.",
    },
    "responses": {
        "id": "A number for this export only.",
        "pseudonym": "The patient.",
        "instrument_id": "phq9, gad7 or wsas.",
        "instrument_version": "Version of the questionnaire's content file.",
        "context": "screening (baseline or re-referral), weekly (during treatment) or "
                   "followup (months after discharge).",
        "day": "Days since baseline.",
        "total": "Total score.",
        "band": "Severity band of the total.",
    },
    "follow_ups": {
        "pseudonym": "The patient.",
        "discharge_day": "Days since baseline when the episode this follows up ended.",
        "due_day": "Days since baseline when the follow-up fell due.",
        "answered_day": "Days since baseline when it was answered; empty if not (yet).",
        "phq9_total": "PHQ-9 total at follow-up; empty if not answered.",
        "gad7_total": "GAD-7 total at follow-up; empty if not answered.",
    },
    "item_scores": {
        "response_id": "The response.",
        "item_id": "The item.",
        "loinc": "LOINC code of the item.",
        "value": "The answer's score.",
        "answer_loinc": "LOINC code of the answer, where the answer list has one.",
    },
    "instruments": {
        "instrument_id": "phq9, gad7 or wsas.",
        "version": "Version of the content file used now.",
        "loinc_panel": "LOINC panel code.",
        "loinc_total": "LOINC code of the total score.",
        "score_max": "Highest possible total.",
    },
    "items": {
        "item_id": "Item identifier.",
        "instrument_id": "Its instrument.",
        "position": "Its place in the questionnaire (1 = first).",
        "scored": "1 if it counts in the total.",
        "loinc": "LOINC code of the item (GAD-7 item codes are unverified).",
        "wording_en": "The published English wording.",
    },
    "export_info": {
        "key": "What is described.",
        "value": "Its value.",
    },
    "column_descriptions": {
        "table_id": "A table in this file.",
        "column_id": "A column of that table.",
        "description": "What the column holds.",
    },
}


@dataclass(frozen=True)
class ExportSummary:
    patient_count: int
    disclosure_id: int


def patients_to_export() -> list[int]:
    """Patients with anything to study: a sent screening, a step or a scored response.

    Left out: patients who opted out of research on their account page, and patients who
    asked for erasure (whatever became of the request).
    """
    has_data = or_(
        db.select(Screening.id).where(Screening.patient_id == User.id,
                                      Screening.submitted_at.is_not(None)).exists(),
        db.select(StepAssignment.id).where(StepAssignment.patient_id == User.id).exists(),
        db.select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.patient_id == User.id,
            QuestionnaireResponse.instrument_id.in_(INSTRUMENT_IDS)).exists(),
    )
    return list(db.session.execute(
        db.select(User.id).where(
            User.role == Role.PATIENT, has_data, User.research_opt_out.is_(False),
            ~db.select(ErasureRequest.id).where(ErasureRequest.user_id == User.id).exists(),
        ).order_by(User.id)
    ).scalars())


def age_band(born: date | None, on: date) -> str | None:
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < AGE_BANDS[0][0]:
        return f"under {AGE_BANDS[0][0]}"
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return f"{AGE_BANDS[-1][1] + 1}+"


def days_between(baseline: datetime, moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return math.floor((moment - baseline).total_seconds() / SECONDS_PER_DAY)


def new_pseudonyms(count: int) -> list[str]:
    """Random, distinct, and never all digits (so that none can look like a database id)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        token = secrets.token_hex(8)
        if not token.isdigit():
            chosen.add(token)
    return list(chosen)


def export(out: Path, patient_ids: Sequence[int], *, recipient: str, purpose: str,
           made_by: User | None = None,
           progress: Callable[[int], object] = lambda n: None) -> ExportSummary:
    """Write the file (whole, or not at all), then the disclosure and the audit rows."""
    content_dir = current_app.config.get("CONTENT_DIR")
    instruments = {i: load_instrument(i, content_dir) for i in INSTRUMENT_IDS}
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        target = sqlite_utils.Database(partial)
        os.chmod(partial, 0o600)  # pseudonymised health data: the owner only
        _create_tables(target, instruments)
        pseudonyms = dict(zip(patient_ids, new_pseudonyms(len(patient_ids)), strict=True))
        # Rows go out in pseudonym order, so neither row order nor numbering follows ids.
        ordered = sorted(patient_ids, key=pseudonyms.__getitem__)
        next_response = 1
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start:start + CHUNK]
            next_response = _write_chunk(target, chunk, pseudonyms, instruments, next_response)
            progress(len(chunk))
        target.index_foreign_keys()
        target.conn.commit()
        target.close()
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    versions = ", ".join(f"{i.id} v{i.version}" for i in instruments.values())
    disclosure = Disclosure(
        patient_id=None, kind="research_export", recipient=recipient, purpose=purpose,
        what=(f"De-identified research export (SQLite, {FORMAT}) of {len(patient_ids)} "
              f"patients: age bands, steps, screenings, {versions} totals and item scores, "
              f"days since baseline; no names, dates, ids or free text. File: {out.name}"),
        made_by_id=made_by.id if made_by else None, patient_count=len(patient_ids),
    )
    db.session.add(disclosure)
    db.session.flush()
    record_many(Action.EXPORT, "research_export", [(disclosure.id, p) for p in patient_ids])
    return ExportSummary(patient_count=len(patient_ids), disclosure_id=disclosure.id)


def _create_tables(target: sqlite_utils.Database, instruments: dict[str, Instrument]) -> None:
    patients_fk = [("pseudonym", "patients", "pseudonym")]
    target["export_info"].create({"key": str, "value": str}, pk="key")
    target["column_descriptions"].create(
        {"table_id": str, "column_id": str, "description": str}, pk=("table_id", "column_id"))
    target["instruments"].create(
        {"instrument_id": str, "version": int, "loinc_panel": str, "loinc_total": str,
         "score_max": int}, pk="instrument_id")
    target["items"].create(
        {"item_id": str, "instrument_id": str, "position": int, "scored": int, "loinc": str,
         "wording_en": str}, pk="item_id",
        foreign_keys=[("instrument_id", "instruments", "instrument_id")])
    target["patients"].create(
        {"pseudonym": str, "age_band": str, "current_step": int}, pk="pseudonym")
    target["screenings"].create(
        {"pseudonym": str, "day": int, "recommended_step": int, "confirmed_step": int},
        foreign_keys=patients_fk)
    target["step_history"].create(
        {"pseudonym": str, "step": int, "start_day": int, "end_day": int, "end_reason": str},
        foreign_keys=patients_fk)
    target["responses"].create(
        {"id": int, "pseudonym": str, "instrument_id": str, "instrument_version": int,
         "context": str, "day": int, "total": int, "band": str}, pk="id",
        foreign_keys=[*patients_fk, ("instrument_id", "instruments", "instrument_id")])
    target["follow_ups"].create(
        {"pseudonym": str, "discharge_day": int, "due_day": int, "answered_day": int,
         "phq9_total": int, "gad7_total": int}, foreign_keys=patients_fk)
    target["item_scores"].create(
        {"response_id": int, "item_id": str, "loinc": str, "value": int, "answer_loinc": str},
        pk=("response_id", "item_id"),
        foreign_keys=[("response_id", "responses", "id"), ("item_id", "items", "item_id")])

    target["export_info"].insert_all([
        {"key": "format", "value": FORMAT},
        {"key": "created_on", "value": utcnow().date().isoformat()},  # the day, no time
        {"key": "pseudonyms", "value": "Random per export: not linkable between exports."},
        {"key": "days", "value": "Whole days since the patient's baseline, their first "
                                 "sent screening (or first step or response without one)."},
        *({"key": f"{i.id}_version", "value": str(i.version)} for i in instruments.values()),
    ])
    target["column_descriptions"].insert_all(
        {"table_id": table, "column_id": column, "description": text}
        for table, columns in COLUMNS.items() for column, text in columns.items())
    target["instruments"].insert_all(
        {"instrument_id": i.id, "version": i.version, "loinc_panel": i.loinc_panel,
         "loinc_total": i.loinc_total, "score_max": i.score_max} for i in instruments.values())
    target["items"].insert_all(
        {"item_id": item.id, "instrument_id": i.id, "position": position,
         "scored": int(item.scored), "loinc": item.loinc, "wording_en": item.text.en}
        for i in instruments.values()
        for position, item in enumerate((it for it in i.items if it.kind == "choice"), 1))


@dataclass(frozen=True)
class _Chunk:
    """What the export reads about some patients, grouped by patient (answers by response)."""

    born: dict[int, date | None]
    screenings: dict[int, list]
    steps: dict[int, list]
    responses: dict[int, list]
    answers: dict[int, list]
    follow_ups: dict[int, list]


def _read_chunk(chunk: list[int]) -> _Chunk:
    born = dict(db.session.execute(
        db.select(User.id, User.date_of_birth).where(User.id.in_(chunk))).all())
    screenings = _grouped(db.session.execute(
        db.select(Screening.patient_id, Screening.submitted_at, Screening.recommended_step,
                  Screening.confirmed_step)
        .where(Screening.patient_id.in_(chunk), Screening.submitted_at.is_not(None))
        .order_by(Screening.submitted_at)))
    steps = _grouped(db.session.execute(
        db.select(StepAssignment.patient_id, StepAssignment.step, StepAssignment.started_at,
                  StepAssignment.ended_at, StepAssignment.end_reason)
        .where(StepAssignment.patient_id.in_(chunk))
        .order_by(StepAssignment.started_at, StepAssignment.id)))
    responses = _grouped(db.session.execute(
        db.select(QuestionnaireResponse.patient_id, QuestionnaireResponse.id,
                  QuestionnaireResponse.instrument_id, QuestionnaireResponse.instrument_version,
                  QuestionnaireResponse.context, QuestionnaireResponse.submitted_at,
                  QuestionnaireResponse.total, QuestionnaireResponse.band)
        .where(QuestionnaireResponse.patient_id.in_(chunk),
               QuestionnaireResponse.instrument_id.in_(INSTRUMENT_IDS))
        .order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id)))
    answers: dict[int, list] = defaultdict(list)
    for response_id, item_id, value in db.session.execute(
        db.select(Answer.response_id, Answer.item_id, Answer.value_int)
        .join(QuestionnaireResponse, QuestionnaireResponse.id == Answer.response_id)
        .where(QuestionnaireResponse.patient_id.in_(chunk),
               QuestionnaireResponse.instrument_id.in_(INSTRUMENT_IDS),
               Answer.value_int.is_not(None))
        .order_by(Answer.id)
    ):
        answers[response_id].append((item_id, value))
    phq9, gad7 = aliased(QuestionnaireResponse), aliased(QuestionnaireResponse)
    follow_ups = _grouped(db.session.execute(
        db.select(FollowUp.patient_id, FollowUp.discharged_at, FollowUp.due_at,
                  FollowUp.completed_at, phq9.total.label("phq9"), gad7.total.label("gad7"))
        .outerjoin(phq9, phq9.id == FollowUp.phq9_response_id)
        .outerjoin(gad7, gad7.id == FollowUp.gad7_response_id)
        .where(FollowUp.patient_id.in_(chunk)).order_by(FollowUp.due_at)))
    return _Chunk(born, screenings, steps, responses, answers, follow_ups)


def _write_chunk(target: sqlite_utils.Database, chunk: list[int], pseudonyms: dict[int, str],
                 instruments: dict[str, Instrument], next_response: int) -> int:
    found = _read_chunk(chunk)
    rows: dict[str, list[dict]] = defaultdict(list)
    for patient_id in chunk:
        pseudonym = pseudonyms[patient_id]
        mine_screenings, mine_steps = found.screenings[patient_id], found.steps[patient_id]
        mine_responses = found.responses[patient_id]
        baseline = min([s.submitted_at for s in mine_screenings[:1]]
                       or [s.started_at for s in mine_steps[:1]]
                       + [r.submitted_at for r in mine_responses[:1]])
        current = next((s.step for s in mine_steps if s.ended_at is None), None)
        rows["patients"].append({
            "pseudonym": pseudonym,
            "age_band": age_band(found.born.get(patient_id), baseline.date()),
            "current_step": current})
        rows["screenings"].extend(
            {"pseudonym": pseudonym, "day": days_between(baseline, s.submitted_at),
             "recommended_step": s.recommended_step, "confirmed_step": s.confirmed_step}
            for s in mine_screenings)
        rows["step_history"].extend(
            {"pseudonym": pseudonym, "step": s.step,
             "start_day": days_between(baseline, s.started_at),
             "end_day": days_between(baseline, s.ended_at), "end_reason": s.end_reason}
            for s in mine_steps)
        rows["follow_ups"].extend(_follow_ups(pseudonym, baseline, found.follow_ups[patient_id]))
        for response in mine_responses:
            instrument = instruments[response.instrument_id]
            rows["responses"].append({
                "id": next_response, "pseudonym": pseudonym,
                "instrument_id": response.instrument_id,
                "instrument_version": response.instrument_version,
                "context": response.context, "day": days_between(baseline, response.submitted_at),
                "total": response.total, "band": response.band})
            rows["item_scores"].extend(
                _item_scores(instrument, next_response, found.answers[response.id]))
            next_response += 1
    for table in ("patients", "screenings", "step_history", "follow_ups", "responses",
                  "item_scores"):
        target[table].insert_all(rows[table], batch_size=1000)
    return next_response


def _follow_ups(pseudonym: str, baseline: datetime, follow_ups: list) -> Iterable[dict]:
    for f in follow_ups:
        yield {"pseudonym": pseudonym, "discharge_day": days_between(baseline, f.discharged_at),
               "due_day": days_between(baseline, f.due_at),
               "answered_day": days_between(baseline, f.completed_at),
               "phq9_total": f.phq9, "gad7_total": f.gad7}


def _item_scores(instrument: Instrument, response_number: int,
                 answers: Iterable[tuple[str, int]]) -> Iterable[dict]:
    items = {item.id: item for item in instrument.items if item.kind == "choice"}
    for item_id, value in answers:
        item = items.get(item_id)
        if item is None:  # an item no longer in the content file: nothing to say what it is
            continue
        option = next((o for o in item.options if o.value == value), None)
        yield {"response_id": response_number, "item_id": item_id, "loinc": item.loinc,
               "value": value, "answer_loinc": option.loinc if option else None}


def _grouped(result) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in result:
        grouped[row.patient_id].append(row)
    return grouped
