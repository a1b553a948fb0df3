"""Seed a large clinic fast, for benchmarks only: bulk inserts with explicit ids.

Never the argon2 path per user: one hash is computed once and shared. The clinic:

* ``patients`` patients (10,000 by default), each with a reviewed screening (PHQ-9 and GAD-7
  with item answers), a current step and a therapist (150 patients per therapist);
* the bench therapist's ``caseload`` patients (150) also have ``weeks`` (20) weekly PHQ-9
  and GAD-7 measures with item answers, an enrolment in the depression programme, a
  treatment contact a week, and a few open risk alerts;
* every other patient has the same weekly totals (no item answers), so that the tables the
  pages read are of a realistic size.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import insert, text

from app.accounts import passwords
from app.accounts.models import Role, User, UserSession
from app.accounts.sessions import SESSION_KEY
from app.caseload.models import CareAssignment, StepAssignment, TreatmentContact
from app.db import db, utcnow
from screening import content as screening_content
from screening import routing
from screening.instruments import load_instrument
from screening.models import Answer, QuestionnaireResponse, RiskAlert, Screening

BENCH_PASSWORD = "bench-password-not-for-production"  # noqa: S105 (bench data only)
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (bench data only)
BATCH = 5000
# Categorical intake answers for the routing facts (the seeded screenings have no free text).
INTAKE = {"previous_treatment": "no", "substance_use": "none", "bipolar": "no",
          "psychosis": "no", "suicidal_plan": "no", "preferred_format": "written_guidance"}


@dataclass(frozen=True)
class Seeded:
    therapist_id: int
    patient_ids: list[int]  # the bench therapist's
    rows: dict[str, int]


def seed(*, patients: int = 10_000, caseload: int = 150, weeks: int = 20,
         risk_alerts: int = 5, seed_value: int = 7) -> Seeded:
    now = datetime.now(UTC).replace(microsecond=0)
    clinic = _Clinic(random.Random(seed_value), start=now - timedelta(weeks=weeks + 1))
    therapist_count = max(1, -(-patients // caseload))
    therapists = [clinic.add_user(Role.THERAPIST, f"Therapist {n:03d}")
                  for n in range(therapist_count)]
    clinic.add_user(Role.ADMIN, "Bench Admin")
    caseload_ids = []
    for screening_id, number in enumerate(range(patients), start=1):
        therapist = therapists[number // caseload]
        mine = therapist == therapists[0]
        patient = clinic.add_patient(f"Patient {number:05d}", screening_id, therapist, weeks,
                                     mine=mine)
        if mine:
            caseload_ids.append(patient)
    for patient in caseload_ids[:risk_alerts]:
        clinic.rows["alerts"].append({"patient_id": patient, "source": "phq9_item9",
                                      "therapist_id": therapists[0], "created_at": now,
                                      "due_at": now + timedelta(hours=24)})
    _insert(clinic.rows)
    _enrol(caseload_ids, therapists[0], clinic.start)
    _advance_sequences()
    db.session.commit()
    return Seeded(therapist_id=therapists[0], patient_ids=caseload_ids,
                  rows={key: len(value) for key, value in clinic.rows.items()})


class _Clinic:
    """The rows of the clinic, built in memory with explicit ids, then inserted in bulk."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng, self.start = rng, start
        self.password_hash = passwords.hash_password(BENCH_PASSWORD)
        self.content = current_app.config["CONTENT_DIR"]
        self.phq9 = load_instrument("phq9", self.content)
        self.gad7 = load_instrument("gad7", self.content)
        self.rules = screening_content.rules()  # the app's routing rules, from its CONTENT_DIR
        self.rows: dict[str, list[dict]] = {name: [] for name in (
            "users", "care", "steps", "screenings", "responses", "answers", "contacts", "alerts")}
        self.user_id = self.response_id = self.answer_id = 0

    def add_user(self, role: Role, name: str) -> int:
        self.user_id += 1
        clinician = role != Role.PATIENT
        self.rows["users"].append({
            "id": self.user_id, "email": f"{role}{self.user_id}@bench.example", "name": name,
            "role": str(role), "password_hash": self.password_hash, "language": "en",
            "created_at": self.start, "on_duty": False, "reminders_opt_out": False,
            "totp_secret": TOTP_SECRET if clinician else None,
            "totp_confirmed_at": self.start if clinician else None})
        return self.user_id

    def add_response(self, patient: int, instrument, when: datetime, context: str,
                     screening: int | None, with_answers: bool, severity: float) -> list[int]:
        self.response_id += 1
        items = instrument.scored_items
        values = [min(3, max(0, round(self.rng.gauss(severity * 3, 0.6)))) for _ in items]
        if instrument.id == "phq9":
            values[-1] = 0  # item 9: no risk in the seeded answers
        total = sum(values)
        self.rows["responses"].append({
            "id": self.response_id, "patient_id": patient, "instrument_id": instrument.id,
            "instrument_version": instrument.version, "context": context,
            "screening_id": screening, "submitted_at": when, "total": total,
            "band": instrument.band_for(total).name, "has_risk": False,
            "idempotency_key": f"bench:{self.response_id}"})
        if with_answers:
            for item, value in zip(items, values, strict=True):
                self.answer_id += 1
                self.rows["answers"].append({"id": self.answer_id, "response_id": self.response_id,
                                             "item_id": item.id, "value_int": value})
        return values

    def add_patient(self, name: str, screening_id: int, therapist: int, weeks: int, *,
                    mine: bool) -> int:
        """A screened patient on ``therapist``'s caseload, at step 2, with weekly measures
        (item answers and a contact a week if ``mine``, the bench therapist's)."""
        patient = self.add_user(Role.PATIENT, name)
        screened_at = self.start + timedelta(hours=self.rng.randrange(0, 72))
        severity = self.rng.uniform(0.45, 0.8)  # share of the item maximum at baseline
        self._add_screening(patient, screening_id, therapist, screened_at, severity)
        enrolled = screened_at + timedelta(hours=4)
        self.rows["care"].append({"patient_id": patient, "therapist_id": therapist,
                                  "assigned_at": enrolled})
        self.rows["steps"].append({"patient_id": patient, "step": 2, "started_at": enrolled,
                                   "decided_by_id": therapist})
        for week in range(1, weeks + 1):
            when = screened_at + timedelta(weeks=week, minutes=self.rng.randrange(0, 600))
            severity = max(0.05, severity - self.rng.uniform(-0.03, 0.06))
            for instrument in (self.phq9, self.gad7):
                self.add_response(patient, instrument, when, "weekly", None, mine, severity)
            if mine:
                self.rows["contacts"].append({"patient_id": patient, "therapist_id": therapist,
                                              "kind": "feedback", "occurred_at": when,
                                              "source_id": f"bench:{patient}:{week}"})
        return patient

    def _add_screening(self, patient: int, screening_id: int, therapist: int,
                       screened_at: datetime, severity: float) -> None:
        baseline = [self.add_response(patient, instrument, screened_at, "screening",
                                      screening_id, True, severity)
                    for instrument in (self.phq9, self.gad7)]
        facts = routing.build_facts(*baseline, INTAKE, None, self.content)
        recommendation = routing.recommend(facts, self.rules)
        self.rows["screenings"].append({
            "id": screening_id, "patient_id": patient, "status": "reviewed",
            "started_at": screened_at - timedelta(minutes=20), "drafts": {},
            "submitted_at": screened_at, "recommended_step": recommendation.step,
            "matched_rules": list(recommendation.matched), "facts": facts,
            "confirmed_step": 2, "reviewed_by_id": therapist,
            "reviewed_at": screened_at + timedelta(hours=4)})


# The rows of each table, in the order they are inserted (a row's references first).
TABLES = [("users", User), ("screenings", Screening), ("responses", QuestionnaireResponse),
          ("answers", Answer), ("care", CareAssignment), ("steps", StepAssignment),
          ("contacts", TreatmentContact), ("alerts", RiskAlert)]


def _insert(rows: dict[str, list[dict]]) -> None:
    for key, model in TABLES:
        for offset in range(0, len(rows[key]), BATCH):
            db.session.execute(insert(model), rows[key][offset:offset + BATCH])


def _advance_sequences() -> None:
    """On PostgreSQL, each table's id sequence past the explicit ids."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for _key, model in TABLES:
        name = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def _enrol(patient_ids: list[int], therapist_id: int, when: datetime) -> None:
    from programmes.models import Enrolment
    from programmes.operations import programme_by_slug

    programme = programme_by_slug("depression")
    if programme is None:
        return
    db.session.execute(insert(Enrolment), [
        {"patient_id": p, "programme_id": programme.id, "therapist_id": therapist_id,
         "started_at": when, "status": "active"} for p in patient_ids])


def therapist(therapist_id: int) -> User:
    return db.session.get(User, therapist_id)


def signed_in_cookie(app, user_id: int) -> str:
    """A live server session for ``user_id`` and the signed cookie that carries it."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                               user_id=user_id, created_at=now, last_seen_at=now,
                               reauthenticated_at=now))
    db.session.commit()
    return app.session_interface.get_signing_serializer(app).dumps(
        {SESSION_KEY: token, "_user_id": str(user_id), "_fresh": True})
