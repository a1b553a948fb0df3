"""The caseload reads only the ends of each patient's PHQ-9 and GAD-7 series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db import db
from screening.caseload import Summary, measure_summaries, measures_by_patient
from screening.models import QuestionnaireResponse

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add(patient_id: int, instrument_id: str, week: int, total: int) -> None:
    db.session.add(QuestionnaireResponse(
        patient_id=patient_id, instrument_id=instrument_id, instrument_version=1,
        context="weekly", submitted_at=START + timedelta(weeks=week), total=total,
        idempotency_key=f"{patient_id}:{instrument_id}:{week}"))


def test_it_summarises_first_latest_and_count_per_patient_and_measure(app, personas):
    alice, bob = personas.alice.id, personas.bob.id
    with app.app_context():
        for week, total in ((2, 11), (0, 18), (1, 15)):  # stored out of order on purpose
            add(alice, "phq9", week, total)
        add(alice, "gad7", 0, 12)
        add(bob, "phq9", 0, 7)
        add(bob, "wsas", 0, 30)  # not a caseload measure
        db.session.flush()
        found = measure_summaries([alice, bob])
    assert found[alice]["phq9"] == Summary(first=18, last=11, last_at=START + timedelta(weeks=2),
                                           count=3)
    assert found[alice]["gad7"] == Summary(first=12, last=12, last_at=START, count=1)
    assert set(found[bob]) == {"phq9"}


def test_it_agrees_with_the_full_series(app, personas):
    alice = personas.alice.id
    with app.app_context():
        for week, total in enumerate((20, 17, 17, 9, 12)):
            add(alice, "phq9", week, total)
            add(alice, "gad7", week, total - 3)
        db.session.flush()
        series = measures_by_patient([alice])[alice]
        summary = measure_summaries([alice])[alice]
    for measure in ("phq9", "gad7"):
        assert summary[measure].first == series[measure][0][1]
        assert summary[measure].last == series[measure][-1][1]
        assert summary[measure].last_at == series[measure][-1][0]
        assert summary[measure].count == len(series[measure])


def test_it_returns_nothing_for_patients_without_measures(app, personas):
    with app.app_context():
        assert measure_summaries([personas.bob.id]) == {}
