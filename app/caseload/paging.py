"""One page of an ordered list (pure: no Flask, no database).

A bad page number (missing, not a number, 0, negative, beyond the last) is clamped to
the nearest page instead of answering 404: a caseload shrinks between two views
(discharges, reassignments), and a therapist following a stale "Next" link or a
bookmark should land on the last page, not on an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    pages: int  # at least 1, also for an empty list
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_number(raw: str | None) -> int:
    """The asked-for page, 1 for anything that is not a whole number."""
    try:
        return int(raw or "1")
    except ValueError:
        return 1


def paginate(items: Sequence[T], number: int, size: int) -> Page[T]:
    size = max(size, 1)
    pages = max((len(items) + size - 1) // size, 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(items[start:start + size], number, pages, len(items))
