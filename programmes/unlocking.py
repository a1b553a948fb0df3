"""Which modules of a programme a patient may open (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

WEEK = timedelta(days=7)


def unlocked_positions(
    rule: str,
    *,
    module_count: int,
    started_at: datetime,
    now: datetime,
    unlocked_by_therapist: Collection[int] = (),
) -> set[int]:
    """The 0-based positions of the open modules.

    - ``all``: everything from the start (self-help).
    - ``weekly``: the first module at once, then one more each full week.
    - ``therapist``: the first module at once, the rest when the therapist opens them.
    A therapist may open modules early under any rule.
    """
    if rule == "all":
        opened = set(range(module_count))
    elif rule == "weekly":
        weeks = max(0, (now - started_at) // WEEK)
        opened = set(range(min(module_count, weeks + 1)))
    elif rule == "therapist":
        opened = {0} if module_count else set()
    else:
        raise ValueError(f"unknown unlocking rule {rule!r}")
    return opened | {p for p in unlocked_by_therapist if 0 <= p < module_count}


def next_unlock_at(rule: str, *, module_count: int, started_at: datetime,
                   now: datetime) -> datetime | None:
    """When the next weekly module opens, if one is still to come."""
    if rule != "weekly":
        return None
    weeks = max(0, (now - started_at) // WEEK)
    if weeks + 1 >= module_count:
        return None
    return started_at + (weeks + 1) * WEEK
