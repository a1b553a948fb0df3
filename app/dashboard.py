"""The patient's home page is built from panels that each domain contributes.

A domain connects to ``patient_panels`` and returns a ``Panel``; the home page
renders them in order. This keeps the core free of imports from the domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace

_signals = Namespace()

#: Sent with the patient as sender; receivers return a Panel or None.
patient_panels = _signals.signal("patient-panels")
#: The therapist's view of one patient: sent with the patient; receivers return a Panel.
record_panels = _signals.signal("record-panels")


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: dict[str, Any] = field(default_factory=dict)


def panels_for(patient, signal=patient_panels) -> list[Panel]:
    panels = [panel for _receiver, panel in signal.send(patient) if panel is not None]
    return sorted(panels, key=lambda panel: panel.order)


#: The caseload page asks every domain for facts about many patients at once: sent with the
#: therapist as sender and ``patient_ids=[...]``; receivers return {patient_id: {fact: value}}
#: using a constant number of queries.
caseload_facts = _signals.signal("caseload-facts")


def facts_for(therapist, patient_ids: list[int]) -> dict[int, dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {pid: {} for pid in patient_ids}
    for _receiver, found in caseload_facts.send(therapist, patient_ids=patient_ids):
        for patient_id, facts in (found or {}).items():
            merged.setdefault(patient_id, {}).update(facts)
    return merged
