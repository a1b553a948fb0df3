"""Triage for the caseload page (pure: no Flask, no database).

Each row holds the facts that the packages contributed for one patient (their
``PatientFacts`` dataclasses, merged). The default order puts first whoever needs the
therapist first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


#: The facts triage reads; a package must provide each (``app.caseload.facts`` checks).
NEEDS = frozenset({
    "open_risk_alerts", "reliable_deterioration", "homework_waiting", "unread_messages",
    "not_on_track", "last_activity", "waiting_since", "phq9_latest", "step",
})


class UnknownFact(Exception):
    """A fact that no package provides: a misspelt name, or a package missing from the app.

    Deliberately not an AttributeError: Jinja would turn that into an empty value.
    """


class Facts:
    """One patient's facts, read as attributes (``facts.phq9_latest``).

    Reading a fact costs what reading any attribute does (templates read thousands per
    page); reading one that nobody provided raises :class:`UnknownFact`.
    """

    def __init__(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        # Read-only: one instance may serve several pages (the projection caches them).
        raise AttributeError(f"caseload facts are read-only ({name!r})")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe for these
            raise AttributeError(name)
        raise UnknownFact(f"no package provides the caseload fact {name!r}")

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Facts({vars(self)!r})"


@dataclass
class Row:
    patient_id: int
    name: str
    facts: Facts = field(default_factory=Facts)
    category: Category | None = None  # set by the page, for its cells

    def __post_init__(self) -> None:
        if not isinstance(self.facts, Facts):
            self.facts = Facts(self.facts)


def category(row: Row, now: datetime, inactive_days: int = 14) -> Category:
    facts = row.facts
    if facts.open_risk_alerts:
        return Category.RISK
    if facts.reliable_deterioration:
        return Category.DETERIORATION
    if facts.homework_waiting or facts.unread_messages:
        return Category.WAITING_FOR_YOU
    if facts.not_on_track:
        return Category.NOT_ON_TRACK
    last: datetime | None = facts.last_activity
    if last is None or now - last >= timedelta(days=inactive_days):
        return Category.INACTIVE
    return Category.OTHER


SORT_ORDERS = ("triage", "name", "phq9", "activity")


def triage_sorted(rows: list[Row], now: datetime, inactive_days: int = 14) -> list[Row]:
    """Most urgent first; within a group, the one waiting longest (oldest waiting) first."""
    def key(row: Row) -> tuple[Category, float, str]:
        oldest: datetime | None = row.facts.waiting_since
        return (category(row, now, inactive_days),
                oldest.timestamp() if oldest else float("inf"), row.name.lower())

    return sorted(rows, key=key)


def _newest_first(row: Row) -> tuple[bool, float]:
    last: datetime | None = row.facts.last_activity
    return (last is None, -last.timestamp() if last else 0.0)


def _highest_phq9_first(row: Row) -> tuple[bool, int]:
    latest: int | None = row.facts.phq9_latest
    return (latest is None, -(latest or 0))


def sort_rows(rows: list[Row], order: str, now: datetime, inactive_days: int = 14) -> list[Row]:
    if order == "name":
        return sorted(rows, key=lambda r: r.name.lower())
    if order == "phq9":
        return sorted(rows, key=_highest_phq9_first)
    if order == "activity":
        return sorted(rows, key=_newest_first)
    return triage_sorted(rows, now, inactive_days)


def filter_rows(rows: list[Row], *, step: int | None, only: Category | None, now: datetime,
                inactive_days: int = 14) -> list[Row]:
    return [r for r in rows
            if (step is None or r.facts.step == step)
            and (only is None or category(r, now, inactive_days) == only)]
