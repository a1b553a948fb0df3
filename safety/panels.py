"""What safety plans add to the core's pages: the patient's home and crisis links, the
patient record, the caseload, and screening's risk-alert page (all through app.signals).

Every receiver reads (and audits) what its template shows before any template renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record
from app.html import html
from app.signals import (
    CaseloadColumn,
    CaseloadFacts,
    CrisisLink,
    FactSource,
    Panel,
    PatientFacts,
)
from safety import operations


def _summary(patient: User) -> dict[str, Any] | None:
    """The plan's date and version number (audited), or None when there is no plan."""
    plan = operations.plan_for(patient.id)
    if plan is None:
        return None
    record(Action.READ, "safety_plan", plan.id, patient_id=patient.id)
    return {"updated_at": plan.updated_at, "number": plan.current_number}


def home_panel(patient: User) -> Panel | None:
    summary = _summary(patient)
    if summary is None:
        return None
    return Panel(order=5, template="safety/_home_panel.html", context=summary)


def _clinician_panel(patient: User, order: int) -> Panel:
    return Panel(order=order, template="safety/_record_panel.html", context={
        "patient_id": patient.id, "plan": _summary(patient),
        "may_edit": current_user.is_authenticated and current_user.is_therapist,
    })


def record_panel(patient: User) -> Panel:
    return _clinician_panel(patient, order=5)


def alert_panel(patient: User) -> Panel:
    return _clinician_panel(patient, order=10)


def crisis_links(user: User) -> list[CrisisLink]:
    if user.role != Role.PATIENT or operations.plan_for(user.id) is None:
        return []
    return [CrisisLink(10, _l("Open my safety plan"), "safety.mine")]


@dataclass(frozen=True)
class SafetyFacts(PatientFacts):
    """Whether the patient has a safety plan, and when it last changed."""

    safety_plan_updated_at: datetime | None = None

    @property
    def has_safety_plan(self) -> bool:
        return self.safety_plan_updated_at is not None


#: safety_plan.updated_at changes with every version saved.
SOURCES = (FactSource("safety_plan"),)


def facts(sender: Any, *, patient_ids: list[int], **_kwargs: Any) -> CaseloadFacts:
    found = operations.updated_at_for(patient_ids)
    return CaseloadFacts(SafetyFacts, {pid: SafetyFacts(found[pid]) for pid in found},
                         sources=SOURCES)


def _plan_badge(row: Any, t: Mapping[str, Any]) -> str:
    """For a patient with an open risk alert: whether they have a safety plan."""
    if not row.facts.open_risk_alerts:
        return ""
    css, label = (("safety-has-plan", t["safety_plan"]) if row.facts.safety_plan_updated_at
                  else ("badge-warn safety-no-plan", t["safety_none"]))
    return html('<a class="badge %s" href="%s">%s</a>', css,
                url_for("safety.plan", patient_id=row.patient_id), label)


def columns(sender: Any, **_kwargs: Any) -> list[CaseloadColumn]:
    # In the "needs" column, just after screening's risk alerts (order 110).
    return [CaseloadColumn("needs", 115, _plan_badge,
                           strings={"safety_none": _l("No safety plan"),
                                    "safety_plan": _l("Safety plan")})]
