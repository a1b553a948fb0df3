"""The caseload: the facts each package knows about its patients, and its columns."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.signals.core import _signals


@dataclass(frozen=True)
class PatientFacts:
    """Base class of one package's caseload facts about one patient.

    A package subclasses it with named fields, each with a default: the default instance
    is what the package says about a patient it knows nothing about. Field names are
    unique across packages, and the caseload reads them as attributes
    (``row.facts.open_risk_alerts``); a name that no package provides is an error.

    The caseload stores them (``app.caseload.projection``) as JSON, once per language:
    fields hold None, bool, int, str, datetime or tuples of these.
    """

    def waiting_since(self) -> datetime | None:
        """Since when the oldest thing of this package has waited for the therapist."""
        return None

    def active_at(self) -> datetime | None:
        """The patient's latest activity in this package that the therapist should know of."""
        return None


@dataclass(frozen=True)
class FactSource:
    """A table the package's facts are computed from, and how to find whose facts it is.

    Every insert, update or delete of one of its rows, in the ORM or as a statement
    through the session, recomputes the stored facts of the patients it names, in the same
    transaction. ``column`` names the row's patient, or something that leads to patients
    (``patients`` turns a set of its values into patient ids, and may query).
    """

    table: str
    column: str = "patient_id"
    patients: Callable[[Collection[Any]], Collection[int]] | None = None
    inserts_only: bool = False  # only a new row changes the facts


@dataclass(frozen=True)
class CaseloadFacts:
    """What one package knows about many patients: its facts type and one per patient.

    ``valid_until``: for a patient whose facts change with time alone (a week in
    treatment passes, a reply falls overdue), the moment they next do; the stored copy
    is recomputed from then on. ``sources``: every table the facts are computed from
    (see :class:`FactSource`); a table left out leaves the stored facts stale.
    """

    kind: type[PatientFacts]
    by_patient: dict[int, PatientFacts] = field(default_factory=dict)
    valid_until: dict[int, datetime] = field(default_factory=dict)
    sources: tuple[FactSource, ...] = ()


caseload_facts = _signals.signal(
    "caseload-facts",
    doc="""Sent by the caseload page and the referral letter with the
therapist as sender and ``patient_ids=list[int]``. Each receiver returns one
``CaseloadFacts`` in a constant number of queries (none for an empty list: the core sends
an empty one to learn which facts exist and where they come from). Patients a receiver
leaves out get ``kind()``.""",
)


#: Renders one part of a row's caseload cell: ``cell(row, t)`` returns its HTML (``Markup``,
#: with every value escaped) or ``""`` when the part has nothing to show.
CellRenderer = Callable[[Any, Mapping[str, Any]], str]

#: What a cell shows for a value not known yet (an en dash), the same in every column.
EMPTY_CELL = "\u2013"


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of the caseload table, or a part of one.

    ``cell(row, t)`` renders this part of a row's cell from ``row.facts`` (and
    ``row.patient_id``, ``row.category``); ``t`` holds every part's ``strings``, translated
    once per page (name them after the package: ``t["video_late"]``). A cell is a Python
    function, not a template macro: the caseload renders some 200 of them per page, and a
    Jinja macro call costs several times the HTML it writes. Build the HTML with
    ``markupsafe.Markup(...).format(...)``, which escapes each value.

    Parts with the same ``key`` share one column, in ``order``, and the columns stand in
    the order of their first part. A part with a ``header`` names its column; one without
    a ``cell`` only declares the column (its cells come from other packages' parts).
    """

    key: str
    order: int
    cell: CellRenderer | None = None
    header: Any = None
    strings: dict[str, Any] = field(default_factory=dict)


caseload_columns = _signals.signal(
    "caseload-columns",
    doc="""Sent by the caseload page with the therapist as sender.
Receivers return an iterable of ``CaseloadColumn``.""",
)
