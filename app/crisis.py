"""Crisis contacts, configured per deployment (check them against local guidance)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class CrisisLine:
    name: object
    number: str
    note: object


REGIONS: dict[str, tuple[CrisisLine, ...]] = {
    "dk": (
        CrisisLine(_l("Emergency"), "112", _l("If your life or someone else's is in danger.")),
        CrisisLine("Livslinien", "70 201 201", _l("Suicide prevention helpline, anonymous.")),
    ),
    "uk": (
        CrisisLine(_l("Emergency"), "999", _l("If your life or someone else's is in danger.")),
        CrisisLine("NHS 111", "111", _l("Choose option 2 for mental health.")),
        CrisisLine("Samaritans", "116 123", _l("Free, day or night.")),
    ),
}


def lines_for(region: str) -> tuple[CrisisLine, ...]:
    # The configuration refuses an unknown region at start-up, so there is no fallback here:
    # a silent fallback would show one country's numbers to another's patients.
    return REGIONS[region]


# --- crisis help at the moment of disclosure ---------------------------------------------------
# A save answers with a redirect, so the help is shown on the page that follows it.

def offer_now() -> None:
    """Show the crisis box on the next page this signed-in browser renders.

    The flag lives on the server-side session row: a disclosure must never be readable in
    the session cookie.
    """
    record = g.get("user_session") if has_request_context() else None
    if record is not None:
        record.crisis_offer = True


def take_offer() -> bool:
    """Whether to show the crisis box on this page (once)."""
    record = g.get("user_session") if has_request_context() else None
    if record is None or not record.crisis_offer:
        return False
    record.crisis_offer = False
    return True
