"""The caseload's facts: every package's ``PatientFacts`` for many patients, merged per patient.

The core adds its own (``CareFacts``) and two it derives from all of them:
``waiting_since`` (the oldest thing waiting for the therapist) and ``last_activity``.
Queries stay constant in the number of patients: each package answers for all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from app.accounts.models import Role, User
from app.caseload import operations
from app.caseload.triage import NEEDS, Facts
from app.db import db, utcnow
from app.signals import CaseloadFacts, FactSource, PatientFacts, answers, caseload_facts

#: Facts the core derives from every package's.
DERIVED = frozenset({"waiting_since", "last_activity"})
#: Facts the core's caseload cells and referral letter read.
PAGE_NEEDS = frozenset({
    "step", "weeks_in_treatment", "clinical_alerts", "last_activity",
    "phq9_latest", "phq9_change", "gad7_latest", "gad7_change", "programme", "modules_done",
})


class DuplicateFact(Exception):
    """Two packages provide a fact of the same name."""


@dataclass(frozen=True)
class CareFacts(PatientFacts):
    """The core's facts: the step of care and the clinical alerts."""

    step: int | None = None
    weeks_in_treatment: int | None = None
    clinical_alerts: int = 0  # open measurement-based alerts


def _patients_among(user_ids) -> list[int]:
    return list(db.session.execute(
        db.select(User.id).where(User.id.in_(list(user_ids)), User.role == Role.PATIENT)
    ).scalars())


#: The core's facts come from these tables; a new patient gets facts at once, so that the
#: caseload page finds them stored.
SOURCES = (FactSource("step_assignment"), FactSource("clinical_alert"),
           FactSource("user_account", "id", _patients_among, inserts_only=True))


def _care_facts(patient_ids: list[int]) -> CaseloadFacts:
    if not patient_ids:
        return CaseloadFacts(CareFacts, sources=SOURCES)
    steps = operations.current_steps(patient_ids)
    alerts = operations.open_clinical_alert_counts(patient_ids)
    now = utcnow()
    weeks = {pid: (now - step.started_at).days // 7 for pid, step in steps.items()}
    return CaseloadFacts(CareFacts, {
        patient_id: CareFacts(
            step=steps[patient_id].step if patient_id in steps else None,
            weeks_in_treatment=weeks.get(patient_id),
            clinical_alerts=alerts.get(patient_id, 0),
        )
        for patient_id in patient_ids
    }, valid_until={  # the next whole week in treatment
        pid: step.started_at + timedelta(days=7 * (weeks[pid] + 1)) for pid, step in steps.items()
    }, sources=SOURCES)


def batches(therapist: User | None, patient_ids: list[int]) -> list[CaseloadFacts]:
    """Every package's facts about these patients, computed now (see ``facts_for``)."""
    found = [_care_facts(patient_ids),
             *answers(caseload_facts, therapist, patient_ids=patient_ids)]
    seen: dict[str, str] = {name: "the core" for name in DERIVED}
    for batch in found:
        for f in fields(batch.kind):
            if f.name in seen:
                raise DuplicateFact(f"{batch.kind.__name__} and {seen[f.name]} both provide "
                                    f"the caseload fact {f.name!r}")
            seen[f.name] = batch.kind.__name__
    return found


def provided() -> frozenset[str]:
    """The names of every fact the packages in this process provide (runs no query)."""
    names = {f.name for batch in batches(None, []) for f in fields(batch.kind)}
    return frozenset(names | DERIVED)


def missing() -> frozenset[str]:
    """Facts that triage or the core's pages need and no package provides."""
    return (NEEDS | PAGE_NEEDS) - provided()


def facts_for(therapist: User | None, patient_ids: list[int]) -> dict[int, Facts]:
    """Each patient's facts from every package, in a constant number of queries."""
    found = batches(therapist, patient_ids)
    return {patient_id: merged([batch.by_patient.get(patient_id) or batch.kind()
                                for batch in found])
            for patient_id in patient_ids}


def merged(parts: list[PatientFacts]) -> Facts:
    """One patient's facts from every package, and the facts the core derives from them."""
    values: dict[str, object] = {}
    for part in parts:
        values.update(vars(part))
    waiting = [t for t in (p.waiting_since() for p in parts) if t is not None]
    activity = [t for t in (p.active_at() for p in parts) if t is not None]
    values["waiting_since"] = min(waiting) if waiting else None
    values["last_activity"] = max(activity) if activity else None
    return Facts(values)
