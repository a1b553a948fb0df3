"""Urgent review: screenings whose facts call for it (PHQ-9 item 9 >= 2, or a current plan
at intake, in the shipped rules) go to the top of the review queue with a deadline.

The rule is the ``urgent_review`` block of content/routing.yaml, in the routing rules'
condition language; it changes no step (hazard H-008: a high-risk patient routed to
self-help waits unseen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from screening import routing
from screening.instruments import DEFAULT_CONTENT_DIR

if TYPE_CHECKING:  # pragma: no cover
    from screening.models import Screening


@dataclass(frozen=True)
class UrgentReview:
    when: routing.Condition
    deadline_hours: int


def parse(document: Any, source: str = "routing.yaml") -> UrgentReview | None:
    """The urgent-review rule of a parsed routing.yaml (None when it has none)."""
    where = f"{source}: urgent_review"
    raw = document.get("urgent_review") if isinstance(document, Mapping) else None
    if raw is None:
        return None
    entry = routing._mapping(raw, where)
    if set(entry) != {"when", "deadline_hours"}:
        raise routing.RoutingRuleError(f"{where}: must have exactly when and deadline_hours")
    hours = routing._integer(entry["deadline_hours"], f"{where}: deadline_hours")
    if hours < 1:
        raise routing.RoutingRuleError(f"{where}: deadline_hours must be at least 1")
    return UrgentReview(routing._condition(entry["when"], f"{where}: when"), hours)


@cache
def _load(path: Path) -> UrgentReview | None:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)


def load(content_dir: Path | str | None = None) -> UrgentReview | None:
    directory = DEFAULT_CONTENT_DIR if content_dir is None else Path(content_dir).resolve()
    return _load(directory / "routing.yaml")


def urgent_review(facts: Mapping[str, Any],
                  rule: UrgentReview | None = None) -> UrgentReview | None:
    """The rule (by default the shipped one) if these facts call for an urgent review."""
    found = rule or load()
    return found if found is not None and found.when.holds(facts) else None


def review_deadline(screening: Screening) -> datetime | None:
    """When an urgent review of this screening is due; None if it is not urgent."""
    if not screening.facts or screening.submitted_at is None:
        return None
    urgent = urgent_review(screening.facts)
    return screening.submitted_at + timedelta(hours=urgent.deadline_hours) if urgent else None


def prioritised(queue: list[Screening]) -> list[Screening]:
    """Urgent reviews first, the nearest deadline first; then the others, oldest first."""
    deadlines = {s.id: review_deadline(s) for s in queue}
    return sorted(queue, key=lambda s: (deadlines[s.id] is None,
                                        deadlines[s.id] or s.submitted_at))
