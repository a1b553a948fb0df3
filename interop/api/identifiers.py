"""Patients' national identifiers, as login providers vouched for them (oidc_link).

A provider's identifier is sent only if the clinic configured its system
(``STEPCARE_OIDC_<NAME>_ID_SYSTEM``): a number without its system means nothing to a
receiver, and a guessed system would be worse.
"""

from __future__ import annotations

from flask import current_app

from app.accounts.models import OidcLink
from app.db import db


def _systems() -> dict[str, str]:
    """Provider name -> identifier system, for the providers that have one."""
    providers = current_app.config.get("OIDC_PROVIDERS", {})
    return {name: p["id_system"] for name, p in providers.items() if p.get("id_system")}


def of_patient(user_id: int) -> list[tuple[str, str]]:
    """The patient's ``(system, value)`` pairs, one per system, oldest link first."""
    systems = _systems()
    links = db.session.execute(
        db.select(OidcLink).where(OidcLink.user_id == user_id,
                                  OidcLink.national_id.is_not(None))
        .order_by(OidcLink.created_at, OidcLink.id)).scalars()
    found: dict[str, str] = {}
    for link in links:
        system = systems.get(link.provider)
        if system and link.national_id and system not in found:
            found[system] = link.national_id
    return list(found.items())


def patients_with(system: str | None, value: str) -> list[int]:
    """The ids of the patients whose identifier is ``value`` (in ``system``, if given)."""
    providers = [name for name, own in _systems().items() if system in (None, own)]
    if not providers:
        return []
    return sorted(set(db.session.execute(
        db.select(OidcLink.user_id).where(OidcLink.provider.in_(providers),
                                          OidcLink.national_id == value)).scalars()))
