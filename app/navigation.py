"""The main menu: the core's entries and every package's (``app.signals.nav_entries``).

Built in the template context, before the page renders, so that a badge's count is
queried here and never while a template runs.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.signals import NavEntry, flattened, nav_entries


def core_entries(user: User) -> list[NavEntry]:
    if user.is_patient:
        return [NavEntry(10, _l("Home"), "main.patient_home")]
    if user.is_therapist:
        return [NavEntry(10, _l("Caseload"), "caseload.index")]
    if user.is_admin:
        return [NavEntry(10, _l("Patients"), "caseload.admin_patients"),
                NavEntry(20, _l("Staff"), "accounts.admin_users"),
                NavEntry(90, _l("Erasure requests"), "erasure.admin_requests")]
    return []


def menu(user: User) -> list[NavEntry]:
    """The signed-in user's entries, by order (the account link and sign-out come after)."""
    entries = [*core_entries(user), *flattened(nav_entries, user)]
    return sorted(entries, key=lambda entry: entry.order)
