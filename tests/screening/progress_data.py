"""Weekly PHQ-9 and GAD-7 totals for a patient, a week apart, through the real operation."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.db import db, utcnow


def _items(total: int, count: int) -> list[int]:
    """``count`` answers from 0 to 3 that add up to ``total``."""
    values = [0] * count
    for n in range(total):
        values[n % count] += 1
    return values


def add_measures(patient_id: int, totals: list[tuple[int, int]], batch: str = "test") -> None:
    """(PHQ-9, GAD-7) per week, oldest first, the latest a day ago. PHQ-9 item 9 stays 0."""
    from screening import operations

    patient = db.session.get(User, patient_id)
    for week, (phq9, gad7) in enumerate(totals):
        answers = {
            "phq9": {**{f"phq9_{i}": v for i, v in enumerate(_items(phq9, 8) + [0], 1)},
                     "phq9_difficulty": 1},
            "gad7": {f"gad7_{i}": v for i, v in enumerate(_items(gad7, 7), 1)},
        }
        for response in operations.record_weekly(patient, answers, f"{batch}-{week}"):
            response.submitted_at = utcnow() - timedelta(days=7 * (len(totals) - week) - 6)
    db.session.commit()
