"""What the packages add to the core's pages: receivers return what they add."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.signals.core import _signals


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


audit_actor_names = _signals.signal(
    "audit-actor-names",
    doc="""Sent by the patient's access log with an audit actor role as sender
(``app.audit.models.SYSTEM_CLIENT_ROLE``) and ``ids``, the actor ids of that role on the
page. A receiver that owns those actors (interop's FHIR clients) returns a dict of id to
the name a patient reads ("Region Midtjylland's record system"); others return None.""",
)

home_panels = _signals.signal(
    "home-panels",
    doc="""Sent by the patient's home page with the patient as sender.
Receivers return a ``Panel`` or None; the page shows them by ``order``.""",
)

account_panels = _signals.signal(
    "account-panels",
    doc="""Sent by the account page (``/account``) with the signed-in user as sender.
Receivers return a ``Panel`` or None; the page shows them by ``order`` after its own cards
(interop's "Download your data" for a patient). A panel's template only links: the
linked page checks who may use it and audits.""",
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

@dataclass(frozen=True)
class ReferralLetter:
    """A step-4 referral letter just written: the Disclosure row that recorded it
    (``letter_id``), the patient, its author (the therapist) and what the form held."""

    letter_id: int
    patient: Any  # app.accounts.models.User
    author: Any  # app.accounts.models.User
    recipient: str
    reason: str


referral_letter_panels = _signals.signal(
    "referral-letter-panels",
    doc="""Sent by the referral letter page (``/patients/<id>/referral``) right after
the letter is written, with a ``ReferralLetter`` as sender. Receivers return a ``Panel`` or
None; the page shows them above the letter and leaves them out of print (interop's "Send as
a FHIR message" and "Download the message", with the deliveries so far). A panel's
template only links and posts: the routes it names check the therapist and audit.""",
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
