"""The caseload's stored facts: every package's facts per patient, kept current on write.

The caseload page reads them (one query) instead of computing them (a dozen). They are
never stale, because:

- every write to a table that facts come from (each package names its tables:
  ``CaseloadFacts.sources``) recomputes the facts of the patients it touches, in the same
  transaction, just before it commits (``app.caseload.tracking``);
- that recomputation first takes the lock every writer of the audit chain takes, so it
  sees every earlier writer's commit, and no later writer commits before it;
- facts that change with time alone carry ``valid_until``, and facts that are missing,
  out of date or stored in another shape (a package changed) are computed afresh when
  the page reads them, and stored again.

One row per patient and language (texts such as a programme's title are in one language),
holding every package's facts by the name of their class.

Facts must not depend on who reads them: they are computed with no therapist as sender.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from flask_babel import force_locale
from sqlalchemy import Select, Text, cast, tuple_

from app.accounts.models import LANGUAGES, Role, User
from app.audit.operations import take_chain_lock
from app.caseload import facts as caseload_facts
from app.caseload.models import StoredFacts
from app.caseload.triage import Facts
from app.db import db, utcnow
from app.erasure.models import ErasureRequest, ErasureStatus
from app.signals import CaseloadFacts, PatientFacts

#: Patients recomputed per batch: bounds the size of each query's IN list.
BATCH = 500


def kind_name(kind: type[PatientFacts]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, tuple | list):
        return {"$tuple": [_encode(item) for item in value]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a lazy translation string


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value:
        return datetime.fromisoformat(value["$dt"])
    if isinstance(value, dict) and "$tuple" in value:
        return tuple(_decode(item) for item in value["$tuple"])
    return value


def encode(part: PatientFacts) -> dict[str, Any]:
    return {f.name: _encode(getattr(part, f.name)) for f in fields(part)}


@cache
def _field_names(kind: type[PatientFacts]) -> frozenset[str]:
    return frozenset(f.name for f in fields(kind))


def decode(kind: type[PatientFacts], stored: dict[str, Any]) -> PatientFacts | None:
    """The stored facts, or None if they were stored with other fields than ``kind`` has."""
    if stored.keys() != _field_names(kind):
        return None
    return kind(**{name: _decode(value) if isinstance(value, dict) else value
                   for name, value in stored.items()})


def _rows(found: list[CaseloadFacts], patient_ids: list[int], lang: str,
          now: datetime) -> list[dict[str, Any]]:
    """One row per patient: every package's facts, and when the first of them expires."""
    rows = []
    for patient_id in patient_ids:
        until = [t for t in (batch.valid_until.get(patient_id) for batch in found) if t]
        rows.append({"patient_id": patient_id, "lang": lang, "computed_at": now,
                     "facts": {kind_name(batch.kind):
                               encode(batch.by_patient.get(patient_id) or batch.kind())
                               for batch in found},
                     "valid_until": min(until, default=None)})
    return rows


def store(patient_ids: Iterable[int], lang: str | None = None) -> dict[int, Facts]:
    """Compute and store these patients' facts in every language; their facts in ``lang``.

    Takes the writers' lock first (see the module's docstring): call it in the
    transaction that wrote what the facts come from, before it commits.
    """
    ids = sorted(set(patient_ids))
    result: dict[int, Facts] = {}
    if not ids:
        return result
    take_chain_lock()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        now = utcnow()
        rows: list[dict[str, Any]] = []
        for language in LANGUAGES:
            with force_locale(language):
                found = caseload_facts.batches(None, chunk)
            rows += _rows(found, chunk, language, now)
            if language == (lang or LANGUAGES[0]):
                result.update({pid: caseload_facts.merged(
                    [batch.by_patient.get(pid) or batch.kind() for batch in found])
                    for pid in chunk})
        _write(chunk, rows)
    return result


def _write(patient_ids: list[int], rows: list[dict[str, Any]]) -> None:
    """Replace the stored rows that differ (facts unchanged by a write are not rewritten)."""
    key = tuple_(StoredFacts.patient_id, StoredFacts.lang)
    stored = {(r.patient_id, r.lang): (r.facts, r.valid_until) for r in db.session.execute(
        db.select(StoredFacts.patient_id, StoredFacts.lang, StoredFacts.facts,
                  StoredFacts.valid_until).where(StoredFacts.patient_id.in_(patient_ids)))}
    changed = [row for row in rows if stored.get((row["patient_id"], row["lang"]))
               != (row["facts"], row["valid_until"])]
    doomed = (set(stored) - {(row["patient_id"], row["lang"]) for row in rows}) | {
        (row["patient_id"], row["lang"]) for row in changed} & set(stored)
    if doomed:
        db.session.execute(db.delete(StoredFacts).where(key.in_(sorted(doomed))))
    if changed:
        db.session.execute(db.insert(StoredFacts), changed)


def _patients() -> Select:
    """Every patient's id, but those of erased accounts (their stubs have no care)."""
    erased = db.select(ErasureRequest.id).where(
        ErasureRequest.user_id == User.id,
        ErasureRequest.status.in_((ErasureStatus.PURGED, ErasureStatus.ANONYMISED)))
    return db.select(User.id).where(User.role == Role.PATIENT, ~erased.exists())


def all_patient_ids() -> list[int]:
    return list(db.session.execute(_patients().order_by(User.id)).scalars())


def stored_patient_ids() -> list[int]:
    """The patients who have stored facts."""
    return list(db.session.execute(
        db.select(StoredFacts.patient_id).distinct().order_by(StoredFacts.patient_id)).scalars())


def rebuild() -> int:
    """Recompute every patient's stored facts (idempotent); how many patients."""
    ids = all_patient_ids()
    db.session.execute(db.delete(StoredFacts).where(StoredFacts.patient_id.not_in(_patients())))
    store(ids)
    return len(ids)


def _decoded(kinds: dict[str, type[PatientFacts]], stored: dict[str, Any]) -> Facts | None:
    """The stored row's facts, or None if stored by packages other than those running."""
    if stored.keys() != kinds.keys():
        return None
    parts = [decode(kind, stored[name]) for name, kind in kinds.items()]
    if any(part is None for part in parts):
        return None
    return caseload_facts.merged([part for part in parts if part is not None])


@lru_cache(maxsize=8192)
def _decoded_text(kinds: tuple[tuple[str, type[PatientFacts]], ...], text: str) -> Facts | None:
    # Keyed on the stored text itself, so a cached entry can never be stale: a row whose
    # facts change has other text. Decoding is most of a caseload view's cost otherwise,
    # and triage needs every patient's facts, not just the shown page's. Facts are
    # read-only, so the pages may share one instance.
    return _decoded(dict(kinds), json.loads(text))


def stored_facts_for(patient_ids: list[int], lang: str) -> dict[int, Facts]:
    """Each patient's facts as stored; those missing or out of date are computed and stored.

    One query when every patient's facts are current.
    """
    if lang not in LANGUAGES:  # stored in the languages the app offers only
        with force_locale(lang):
            return caseload_facts.facts_for(None, patient_ids)
    kinds = tuple((kind_name(batch.kind), batch.kind)
                  for batch in caseload_facts.batches(None, []))
    result: dict[int, Facts] = {}
    now = utcnow()
    if patient_ids:
        for patient_id, text, until in db.session.execute(
            db.select(StoredFacts.patient_id, cast(StoredFacts.facts, Text),
                      StoredFacts.valid_until)
            .where(StoredFacts.patient_id.in_(patient_ids), StoredFacts.lang == lang)
        ):
            found = None if until is not None and until <= now else _decoded_text(kinds, text)
            if found is not None:
                result[patient_id] = found
    result.update(store([pid for pid in patient_ids if pid not in result], lang))
    return result


def differences(patient_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(patient, language) of each stored row that differs from the facts computed now, is
    missing, or is kept for nobody; empty when every stored row is current."""
    ids = all_patient_ids() if patient_ids is None else patient_ids
    stored = {(row.patient_id, row.lang): row.facts for row in db.session.execute(
        db.select(StoredFacts).where(StoredFacts.patient_id.in_(ids))).scalars()}
    fresh: dict[tuple[int, str], dict[str, Any]] = {}
    for language in LANGUAGES:
        with force_locale(language):
            found = caseload_facts.batches(None, ids)
        for row in _rows(found, ids, language, utcnow()):
            fresh[(row["patient_id"], row["lang"])] = row["facts"]
    return sorted(key for key in stored.keys() | fresh.keys()
                  if stored.get(key) != fresh.get(key))
