"""What happens to a patient, and what one domain tells another about a patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.signals.core import _signals, answers

if TYPE_CHECKING:  # pragma: no cover
    from app.accounts.models import User

# --- events: something happened; receivers return nothing -------------------------------------


@dataclass(frozen=True)
class StepChange:
    """A patient's step of care was set (``step`` 1-4), or the episode ended (``None``)."""

    patient: User
    step: int | None
    therapist: User | None
    decided_by: User | None
    reason: str
    context: dict[str, Any] = field(default_factory=dict)  # what the decision rested on
    # Set at a discharge only: the step row that ended the episode, and when.
    ended_step_id: int | None = None
    discharged_at: datetime | None = None


step_assigned = _signals.signal(
    "step-assigned",
    doc="""Sent by ``app.caseload.operations`` (``set_step``, ``discharge``)
with the patient as sender and ``change=StepChange``, inside the request's transaction.
Programmes enrols the patient in their step's programme, or ends the enrolments;
at a discharge (``step`` None, ``ended_step_id`` and ``discharged_at`` set) screening
schedules the follow-up questionnaires.""",
)


@dataclass(frozen=True)
class PatientText:
    """Free text a patient wrote: an exercise answer, a diary note or a message."""

    patient: User
    text: str
    source: str  # "exercise" | "diary" | "message"


@dataclass(frozen=True)
class RiskFinding:
    """A receiver's verdict on a ``PatientText``: ``flagged`` if it holds risk language."""

    flagged: bool


patient_text_written = _signals.signal(
    "patient-text-written",
    doc="""Sent by messaging and programmes (through ``patient_wrote``) with the
patient as sender and ``written=PatientText``. Screening scans it for risk language,
raises the alert and returns a ``RiskFinding``; the sender shows the patient crisis help
at once if any receiver flagged it. Receivers must never raise: the save comes first.""",
)


def patient_wrote(written: PatientText) -> bool:
    """Send ``patient_text_written``; True if a receiver found risk language in it."""
    return any(isinstance(found, RiskFinding) and found.flagged
               for found in answers(patient_text_written, written.patient, written=written))


# --- questions one domain answers for another ---------------------------------------------


@dataclass(frozen=True)
class IntakeProfile:
    """What a patient said at screening, for ranking self-help modules.

    ``answers``: item answers and totals of the latest submitted screening (``phq9_3``,
    ``gad7_total``...); ``texts``: its free-text answers about what brings the patient
    and what they want.
    """

    answers: dict[str, int] = field(default_factory=dict)
    texts: tuple[str, ...] = ()


intake_profile = _signals.signal(
    "intake-profile",
    doc="""Sent by programmes' module ranking with the patient as sender.
Screening returns an ``IntakeProfile`` (or None before a screening is submitted).""",
)
