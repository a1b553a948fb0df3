"""The caseload table's columns: the core's, and the parts the packages add.

Each part renders its piece of a cell in Python (see ``CaseloadColumn``); the strings they
use are translated once per page, before the rows render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from app import dates
from app.accounts.models import User
from app.html import html
from app.signals import EMPTY_CELL, CaseloadColumn, caseload_columns, flattened
from app.signals.caseload import CellRenderer

#: The triage categories' labels, by value (``app.caseload.triage.Category``).
CATEGORY_LABELS = {
    1: _l("Risk alert"), 2: _l("Reliable deterioration"), 3: _l("Waiting for you"),
    4: _l("Not on track"), 5: _l("Inactive"), 6: _l("On track"),
}


def _needs(row: Any, t: Mapping[str, Any]) -> str:
    value = row.category.value
    return html('<span class="badge triage-badge-%s">%s</span>', value, t["labels"][value])


def _clinical_alerts(row: Any, t: Mapping[str, Any]) -> str:
    count = row.facts.clinical_alerts
    if not count:
        return ""
    return html('<span class="badge badge-warn">%s</span>',
                ngettext("%(num)s alert", "%(num)s alerts", count))


def _step(row: Any, t: Mapping[str, Any]) -> str:
    return str(row.facts.step or EMPTY_CELL)


def _weeks(row: Any, t: Mapping[str, Any]) -> str:
    weeks = row.facts.weeks_in_treatment
    return EMPTY_CELL if weeks is None else str(weeks)


def _last_activity(row: Any, t: Mapping[str, Any]) -> str:
    when = row.facts.last_activity
    return dates.element(when, "date") if when else t["none_yet"]


CORE_PARTS = (
    CaseloadColumn("needs", 100, _needs, _l("Needs"), {"labels": CATEGORY_LABELS}),
    CaseloadColumn("needs", 190, _clinical_alerts),
    CaseloadColumn("step", 200, _step, _l("Step")),
    CaseloadColumn("weeks", 400, _weeks, _l("Weeks")),
    CaseloadColumn("waiting", 700, header=_l("Waiting")),
    CaseloadColumn("last_activity", 800, _last_activity, _l("Last activity"),
                   {"none_yet": _l("None yet")}),
)


@dataclass(frozen=True)
class Column:
    header: str
    cells: tuple[CellRenderer, ...]

    def render(self, row: Any, t: Mapping[str, Any]) -> Markup:
        """The row's cell: each part that has something to show, one per line."""
        return Markup("\n").join(part for part in (cell(row, t) for cell in self.cells) if part)


@dataclass(frozen=True)
class Table:
    """The caseload's columns in order, and the strings their cells use (``t``), translated."""

    columns: tuple[Column, ...]
    t: dict[str, Any]

    def cells(self, row: Any) -> Markup:
        """A row's ``<td>`` elements, in one call from the template per row, not one per cell."""
        return Markup("").join(
            html('<td data-label="%s">%s</td>', column.header, column.render(row, self.t))
            for column in self.columns)


def _translated(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: str(item) for key, item in value.items()}
    return str(value)


def table(therapist: User) -> Table:
    """The core's parts and those the packages add, grouped into columns."""
    parts = sorted([*CORE_PARTS, *flattened(caseload_columns, therapist)],
                   key=lambda part: part.order)
    grouped: dict[str, list[CaseloadColumn]] = {}
    for part in parts:
        grouped.setdefault(part.key, []).append(part)
    columns = tuple(
        Column(
            header=next((str(p.header) for p in group if p.header is not None), ""),
            cells=tuple(p.cell for p in group if p.cell is not None),
        )
        for group in grouped.values()
    )
    return Table(columns, {name: _translated(value)
                           for part in parts for name, value in part.strings.items()})
