"""Every signal that crosses a package boundary, in one place.

The core (``app``) never imports a domain. Domains contribute to the core's pages and
commands by connecting receivers to these signals in their ``init_app``, and announce
what happened through them, so that, for example, screening never imports programmes.

Each signal says who sends it, what it carries and what a receiver returns. Payloads
are the frozen dataclasses below. A receiver that contributes nothing returns None (or
an empty iterable). Senders in the core never depend on the order in which receivers
were connected: where order matters, the payload carries an ``order``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from blinker import Namespace
from flask import current_app, has_app_context

if TYPE_CHECKING:  # pragma: no cover
    import random

    from app.accounts.models import User

_signals = Namespace()


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


step_assigned = _signals.signal(
    "step-assigned",
    doc="""Sent by ``app.caseload.operations`` (``set_step``, ``discharge``)
with the patient as sender and ``change=StepChange``, inside the request's transaction.
Programmes enrols the patient in their step's programme, or ends the enrolments.""",
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


# --- pages: receivers return what they add ------------------------------------------------------


@dataclass(frozen=True)
class NavEntry:
    """One link in the main menu. ``badge`` is a count shown beside it (0: none)."""

    order: int
    label: Any  # a lazy string, translated when shown
    endpoint: str
    badge: int = 0


nav_entries = _signals.signal(
    "nav-entries",
    doc="""Sent by the core's template context (before any template renders)
with the signed-in user as sender. Receivers return an iterable of ``NavEntry`` for that
user's role; the menu lists every entry by ``order``. Badge counts are queried here, never
while the page renders.""",
)


@dataclass(frozen=True)
class Panel:
    """A card on a core page: ``template`` is included with ``ctx`` set to ``context``.

    Everything the template shows is in ``context``: a panel's template runs no query and
    writes no audit row.
    """

    order: int
    template: str
    context: dict[str, Any] = field(default_factory=dict)


home_panels = _signals.signal(
    "home-panels",
    doc="""Sent by the patient's home page with the patient as sender.
Receivers return a ``Panel`` or None; the page shows them by ``order``.""",
)

record_panels = _signals.signal(
    "record-panels",
    doc="""Sent by the patient record (``/patients/<id>``) with the patient
as sender, for the signed-in therapist or admin. Receivers return a ``Panel`` or None.""",
)

caseload_today = _signals.signal(
    "caseload-today",
    doc="""Sent by the caseload page with the therapist as sender.
Receivers return a ``Panel`` (shown above the table, such as today's appointments) or
None. A receiver that reads patient data writes its audit rows here.""",
)

risk_alert_panels = _signals.signal(
    "risk-alert-panels",
    doc="""Sent by screening's risk-alert page with the patient as sender.
Receivers return a ``Panel`` or None (such as whether the patient has a safety plan).""",
)


@dataclass(frozen=True)
class CrisisLink:
    """A link beside the crisis lines; ``endpoint`` is the user's own page (no arguments)."""

    order: int
    label: Any  # a lazy string, translated when shown
    endpoint: str


crisis_links = _signals.signal(
    "crisis-links",
    doc="""Sent by the core's template context with the signed-in user as
sender. Receivers return an iterable of ``CrisisLink`` (a patient's own safety plan), which
the footer's and the domains' crisis boxes list by ``order``; the linked page audits.""",
)

text_model_panels = _signals.signal(
    "text-model-panels",
    doc="""Sent by the admin's text-model page with the process's
``textmodel.TextEncoder`` as sender. Receivers that use the encoder return a ``Panel``
describing their layers (loading nothing), or None.""",
)

text_model_test = _signals.signal(
    "text-model-test",
    doc="""Sent by the text-model page's "Load now and test" button, after
the encoder loaded, with ``sample=str``. Receivers load their own models and return an
iterable of ``(category, message)`` to flash (category: "success" or "error").""",
)


# --- the caseload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientFacts:
    """Base class of one package's caseload facts about one patient.

    A package subclasses it with named fields, each with a default: the default instance
    is what the package says about a patient it knows nothing about. Field names are
    unique across packages, and the caseload reads them as attributes
    (``row.facts.open_risk_alerts``); a name that no package provides is an error.
    """

    def waiting_since(self) -> datetime | None:
        """Since when the oldest thing of this package has waited for the therapist."""
        return None

    def active_at(self) -> datetime | None:
        """The patient's latest activity in this package that the therapist should know of."""
        return None


@dataclass(frozen=True)
class CaseloadFacts:
    """What one package knows about many patients: its facts type and one per patient."""

    kind: type[PatientFacts]
    by_patient: dict[int, PatientFacts] = field(default_factory=dict)


caseload_facts = _signals.signal(
    "caseload-facts",
    doc="""Sent by the caseload page and the referral letter with the
therapist as sender and ``patient_ids=list[int]``. Each receiver returns one
``CaseloadFacts`` in a constant number of queries (none for an empty list: the core sends
an empty one to learn which facts exist). Patients a receiver leaves out get
``kind()``.""",
)


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of the caseload table, or a part of one.

    ``template`` defines the macro ``macro(row, t)``, which renders this part of a row's
    cell from ``row.facts``; ``t`` holds every part's ``strings``, translated once per
    page (name them after the package: ``t.video_late``). Parts with the same ``key``
    share one column, in ``order``, and the columns stand in the order of their first
    part. A part with a ``header`` names its column; one without a template only declares
    the column (its cells come from other packages' parts).
    """

    key: str
    order: int
    template: str | None = None
    macro: str = "cell"
    header: Any = None
    strings: dict[str, Any] = field(default_factory=dict)


caseload_columns = _signals.signal(
    "caseload-columns",
    doc="""Sent by the caseload page with the therapist as sender.
Receivers return an iterable of ``CaseloadColumn``.""",
)


# --- commands: cron jobs and the demo -------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """An email to send once: ``key`` is the same for the same situation."""

    user: User
    kind: str  # questionnaire | feedback | message | inactive | appointment
    key: str


collect_reminders = _signals.signal(
    "collect-reminders",
    doc="""Sent by ``flask send-reminders`` with the app as sender and
``now=datetime``. Receivers return an iterable of the ``Reminder`` that are due; the core
sends each one at most once.""",
)

alert_sweep = _signals.signal(
    "alert-sweep",
    doc="""Sent by ``flask check-alerts`` with ``now=datetime``. Receivers
raise the clinical alerts that are due (``app.caseload.alerts.raise_alert``) and return how
many they raised.""",
)


@dataclass
class DemoClinic:
    """The demo's core clinic, which the packages' demo hooks fill in."""

    admin: User
    therapists: list[User]
    patients: list[User]
    logins: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoHook:
    """A package's part of ``flask demo``.

    ``prepare()`` runs on the emptied database before any account exists (load content);
    ``populate(clinic, rng)`` adds the package's data. Hooks run by ``order``, so a hook
    can build on what a lower one made (programmes adds progress to the enrolments that
    screening's reviews made).
    """

    order: int
    populate: Callable[[DemoClinic, random.Random], None] | None = None
    prepare: Callable[[], None] | None = None


demo_hooks = _signals.signal(
    "demo-hooks",
    doc="""Sent by ``flask demo`` with the app as sender. Receivers return a
``DemoHook``.""",
)


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


# --- sending ---------------------------------------------------------------------------------
#
# Receivers connect once per process, but an app is made of the packages listed for it
# (``create_app``). Sending through ``send`` skips the receivers of packages that another
# app in the process set up and this one did not, so two apps never see each other's
# domains (tests build apps with and without a package).

_set_up: set[str] = set()  # every package some app in this process has set up


def use_packages(app: Any, names: Sequence[str]) -> None:
    """Record which packages ``app`` is made of (``create_app`` calls this)."""
    app.extensions["stepcare_packages"] = tuple(names)
    _set_up.update(names)


def _skipped() -> tuple[str, ...]:
    if not has_app_context():
        return ()
    enabled = current_app.extensions.get("stepcare_packages", ())
    return tuple(name for name in _set_up if name not in enabled)


def _belongs(receiver: Any, packages: tuple[str, ...]) -> bool:
    module = getattr(receiver, "__module__", None) or ""
    return any(module == name or module.startswith(name + ".") for name in packages)


def send(signal: Any, sender: Any = None, **kwargs: Any) -> list[tuple[Any, Any]]:
    """``signal.send``, without the receivers of packages this app is not made of."""
    skipped = _skipped()
    return [(receiver, receiver(sender, **kwargs))
            for receiver in signal.receivers_for(sender)
            if not (skipped and _belongs(receiver, skipped))]


def answers(signal: Any, sender: Any = None, **kwargs: Any) -> list[Any]:
    """The non-empty results of the signal's receivers, in no particular order."""
    return [found for _receiver, found in send(signal, sender, **kwargs) if found is not None]


def flattened(signal: Any, sender: Any = None, **kwargs: Any) -> list[Any]:
    """The receivers' iterables of results, joined."""
    items: list[Any] = []
    for found in answers(signal, sender, **kwargs):
        items.extend(found)
    return items


def sorted_panels(signal: Any, sender: Any) -> list[Panel]:
    return sorted(answers(signal, sender), key=lambda panel: panel.order)


__all__ = [
    "CaseloadColumn",
    "CaseloadFacts",
    "CrisisLink",
    "DemoClinic",
    "DemoHook",
    "IntakeProfile",
    "NavEntry",
    "Panel",
    "PatientFacts",
    "PatientText",
    "RiskFinding",
    "Reminder",
    "StepChange",
    "alert_sweep",
    "answers",
    "caseload_columns",
    "caseload_facts",
    "caseload_today",
    "collect_reminders",
    "crisis_links",
    "demo_hooks",
    "flattened",
    "home_panels",
    "intake_profile",
    "nav_entries",
    "patient_text_written",
    "patient_wrote",
    "record_panels",
    "risk_alert_panels",
    "send",
    "sorted_panels",
    "step_assigned",
    "text_model_panels",
    "text_model_test",
    "use_packages",
]
