"""Urgent review: screenings whose facts call for it (PHQ-9 item 9 >= 2, or a current plan
at intake, in the shipped rules) go to the top of the review queue with a deadline.

The rule is the ``urgent_review`` block of content/routing.yaml, in the routing rules'
condition language; it changes no step (hazard H-008: a high-risk patient routed to
self-help waits unseen).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from screening.routing_models import UrgentReview, parse_rules

if TYPE_CHECKING:  # pragma: no cover
    from screening.models import Screening

__all__ = ["UrgentReview", "parse", "prioritised", "review_deadline", "urgent_review"]


def parse(document: Any, source: str = "routing.yaml") -> UrgentReview | None:
    """The urgent-review rule of a parsed routing.yaml (None when it has none)."""
    return parse_rules(document, source).urgent_review


def urgent_review(facts: Mapping[str, Any], rule: UrgentReview | None) -> UrgentReview | None:
    """The rule if these facts call for an urgent review."""
    return rule if rule is not None and rule.when.holds(facts) else None


def review_deadline(screening: Screening) -> datetime | None:
    """When an urgent review of this screening is due; None if it is not urgent."""
    from screening.content import current

    if not screening.facts or screening.submitted_at is None:
        return None
    urgent = urgent_review(screening.facts, current().rules.urgent_review)
    return screening.submitted_at + timedelta(hours=urgent.deadline_hours) if urgent else None


def prioritised(queue: list[Screening]) -> list[Screening]:
    """Urgent reviews first, the nearest deadline first; then the others, oldest first."""
    deadlines = {s.id: review_deadline(s) for s in queue}
    return sorted(queue, key=lambda s: (deadlines[s.id] is None,
                                        deadlines[s.id] or s.submitted_at))
