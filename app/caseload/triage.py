"""Triage for the caseload page (pure: no Flask, no database).

Each row holds facts that the domains contributed for one patient. The default
order puts first whoever needs the therapist first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any


class Category(IntEnum):
    """Lower comes first."""

    RISK = 1
    DETERIORATION = 2
    WAITING_FOR_YOU = 3
    NOT_ON_TRACK = 4
    INACTIVE = 5
    OTHER = 6


class Facts(dict):
    """A row's facts; a fact no domain contributed reads as None.

    Templates read them as attributes (``facts.phq9_latest``), which costs far less per
    cell than a call, and a missing one is None rather than Jinja's Undefined.
    """

    def __missing__(self, key: str) -> None:
        return None


@dataclass
class Row:
    patient_id: int
    name: str
    facts: dict[str, Any] = field(default_factory=Facts)

    def __post_init__(self) -> None:
        if not isinstance(self.facts, Facts):
            self.facts = Facts(self.facts)

    def get(self, key: str, default: Any = None) -> Any:
        return self.facts.get(key, default)


def category(row: Row, now: datetime, inactive_days: int = 14) -> Category:
    if row.get("open_risk_alerts", 0):
        return Category.RISK
    if row.get("reliable_deterioration"):
        return Category.DETERIORATION
    if row.get("homework_waiting", 0) or row.get("unread_messages", 0):
        return Category.WAITING_FOR_YOU
    if row.get("not_on_track"):
        return Category.NOT_ON_TRACK
    last = row.get("last_activity")
    if last is None or now - last >= timedelta(days=inactive_days):
        return Category.INACTIVE
    return Category.OTHER


SORT_ORDERS = ("triage", "name", "phq9", "activity")


def triage_sorted(rows: list[Row], now: datetime, inactive_days: int = 14) -> list[Row]:
    """Most urgent first; within a group, the one waiting longest (oldest waiting) first."""
    def key(row: Row):
        oldest = row.get("waiting_since")
        return (category(row, now, inactive_days),
                oldest.timestamp() if oldest else float("inf"), row.name.lower())

    return sorted(rows, key=key)


def _newest_first(row: Row) -> tuple[bool, float]:
    last = row.get("last_activity")
    return (last is None, -last.timestamp() if last else 0.0)


def sort_rows(rows: list[Row], order: str, now: datetime, inactive_days: int = 14) -> list[Row]:
    if order == "name":
        return sorted(rows, key=lambda r: r.name.lower())
    if order == "phq9":
        return sorted(rows, key=lambda r: (r.get("phq9_latest") is None,
                                           -(r.get("phq9_latest") or 0)))
    if order == "activity":
        return sorted(rows, key=_newest_first)
    return triage_sorted(rows, now, inactive_days)


def filter_rows(rows: list[Row], *, step: int | None, only: Category | None, now: datetime,
                inactive_days: int = 14) -> list[Row]:
    return [r for r in rows
            if (step is None or r.get("step") == step)
            and (only is None or category(r, now, inactive_days) == only)]
