"""Which modules of a programme a patient may open (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

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


class ModuleLike(Protocol):
    """What unlocking needs of a module: the ORM record or a light outline of it."""

    id: int
    optional: bool


M = TypeVar("M", bound=ModuleLike)


def open_modules(rule: str, modules: Sequence[M], *, started_at: datetime, now: datetime,
                 unlocked_ids: Collection[int] = ()) -> list[M]:
    """The modules, in order, that the patient may open now."""
    positions = unlocked_positions(
        rule, module_count=len(modules), started_at=started_at, now=now,
        unlocked_by_therapist={i for i, m in enumerate(modules) if m.id in unlocked_ids})
    return [m for i, m in enumerate(modules) if i in positions]


def next_module(open_in_order: Sequence[M], completed_ids: Collection[int]) -> M | None:
    """The first open module not yet completed."""
    return next((m for m in open_in_order if m.id not in completed_ids), None)


def progress(modules: Sequence[ModuleLike], completed_ids: Collection[int]) -> tuple[int, int]:
    """(completed, required): optional modules count toward neither."""
    required = [m for m in modules if not m.optional]
    return sum(1 for m in required if m.id in completed_ids), len(required)
