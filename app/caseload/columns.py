"""The caseload table's columns: the core's, and the parts the packages add.

Each part's macro is looked up once per page, before the page renders; the page then
calls it for every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import get_template_attribute
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.accounts.models import User
from app.signals import CaseloadColumn, caseload_columns, flattened

CELLS = "caseload/_cells.html"

#: The triage categories' labels, by value (``app.caseload.triage.Category``).
CATEGORY_LABELS = {
    1: _l("Risk alert"), 2: _l("Reliable deterioration"), 3: _l("Waiting for you"),
    4: _l("Not on track"), 5: _l("Inactive"), 6: _l("On track"),
}

CORE_PARTS = (
    CaseloadColumn("needs", 100, CELLS, "needs", _l("Needs"),
                   {"labels": CATEGORY_LABELS}),
    CaseloadColumn("needs", 190, CELLS, "clinical_alerts"),
    CaseloadColumn("step", 200, CELLS, "step", _l("Step")),
    CaseloadColumn("weeks", 400, CELLS, "weeks", _l("Weeks")),
    CaseloadColumn("waiting", 700, header=_l("Waiting")),
    CaseloadColumn("last_activity", 800, CELLS, "last_activity", _l("Last activity"),
                   {"none_yet": _l("None yet")}),
)


@dataclass(frozen=True)
class Column:
    header: str
    cells: tuple[Callable[..., Any], ...]

    def render(self, row: Any, t: dict[str, Any]) -> Markup:
        """The row's cell: each part that has something to show, separated by a space."""
        return Markup("\n").join(part for part in (cell(row, t) for cell in self.cells) if part)


def _translated(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: str(item) for key, item in value.items()}
    return str(value)


def table(therapist: User) -> tuple[list[Column], dict[str, Any]]:
    """The columns in order, and the strings their cells use (``t``), translated."""
    parts = sorted([*CORE_PARTS, *flattened(caseload_columns, therapist)],
                   key=lambda part: part.order)
    grouped: dict[str, list[CaseloadColumn]] = {}
    for part in parts:
        grouped.setdefault(part.key, []).append(part)
    columns = [
        Column(
            header=next((str(p.header) for p in group if p.header is not None), ""),
            cells=tuple(get_template_attribute(p.template, p.macro)
                        for p in group if p.template is not None),
        )
        for group in grouped.values()
    ]
    strings = {name: _translated(value) for part in parts for name, value in part.strings.items()}
    return columns, strings
