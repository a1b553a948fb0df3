"""Every signal that crosses a package boundary, in one package.

The core (``app``) never imports a domain. Domains contribute to the core's pages and
commands by connecting receivers to these signals in their ``init_app``, and announce
what happened through them, so that, for example, screening never imports programmes.

One module per area, as Indico's ``core/signals``: ``core`` (the namespace and the
senders ``send``, ``answers``, ``flattened``, ``sorted_panels``), ``patients`` (what
happens to a patient and what one domain answers another about them), ``pages`` (menu
entries and panels), ``caseload`` (typed facts and columns) and ``lifecycle`` (worker
start-up, content, cron jobs, the demo). Import them from here: ``from app import
signals; signals.home_panels``.

Each signal says who sends it, what it carries and what a receiver returns. Payloads
are frozen dataclasses. A receiver that contributes nothing returns None (or an empty
iterable). Senders in the core never depend on the order in which receivers were
connected: where order matters, the payload carries an ``order``.
"""

from __future__ import annotations

from app.signals.caseload import (
    EMPTY_CELL,
    CaseloadColumn,
    CaseloadFacts,
    FactSource,
    PatientFacts,
    caseload_columns,
    caseload_facts,
)
from app.signals.core import answers, flattened, send, sorted_panels, use_packages
from app.signals.lifecycle import (
    ContentPart,
    DemoClinic,
    DemoHook,
    Reminder,
    alert_sweep,
    collect_reminders,
    content_load,
    demo_hooks,
    worker_starting,
)
from app.signals.pages import (
    CrisisLink,
    NavEntry,
    Panel,
    ReferralLetter,
    account_panels,
    audit_actor_names,
    caseload_today,
    crisis_links,
    home_panels,
    nav_entries,
    record_panels,
    referral_letter_panels,
    risk_alert_panels,
    text_model_panels,
    text_model_test,
)
from app.signals.patients import (
    IntakeProfile,
    PatientText,
    RiskFinding,
    StepChange,
    intake_profile,
    patient_text_written,
    patient_wrote,
    step_assigned,
)

__all__ = [
    "EMPTY_CELL",
    "CaseloadColumn",
    "CaseloadFacts",
    "ContentPart",
    "CrisisLink",
    "DemoClinic",
    "DemoHook",
    "FactSource",
    "IntakeProfile",
    "NavEntry",
    "Panel",
    "ReferralLetter",
    "PatientFacts",
    "PatientText",
    "RiskFinding",
    "Reminder",
    "StepChange",
    "alert_sweep",
    "answers",
    "audit_actor_names",
    "caseload_columns",
    "caseload_facts",
    "caseload_today",
    "content_load",
    "collect_reminders",
    "crisis_links",
    "demo_hooks",
    "worker_starting",
    "flattened",
    "account_panels",
    "home_panels",
    "intake_profile",
    "nav_entries",
    "patient_text_written",
    "patient_wrote",
    "record_panels",
    "referral_letter_panels",
    "risk_alert_panels",
    "send",
    "sorted_panels",
    "step_assigned",
    "text_model_panels",
    "text_model_test",
    "use_packages",
]
