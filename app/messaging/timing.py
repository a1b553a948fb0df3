"""Response-time arithmetic in working days (pure: no Flask)."""

from __future__ import annotations

from datetime import datetime, timedelta


def add_working_days(start: datetime, days: int) -> datetime:
    """``days`` working days (Monday-Friday) after ``start``, at the same time of day."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def is_overdue(sent_at: datetime, now: datetime, working_days: int) -> bool:
    return now > add_working_days(sent_at, working_days)
