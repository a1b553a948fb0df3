"""The hash chain over audit rows (pure: no Flask, no database)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class Link:
    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    patient_id: int | None
    action: str
    resource_type: str
    resource_id: str | None
    outcome: str
    ip: str | None
    prev_hash: str
    hash: str


def link_hash(prev_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the row's fields, in a fixed order."""
    parts = [
        prev_hash,
        fields["at"].isoformat(),
        "" if fields["actor_id"] is None else str(fields["actor_id"]),
        fields["actor_role"],
        "" if fields["patient_id"] is None else str(fields["patient_id"]),
        fields["action"],
        fields["resource_type"],
        fields["resource_id"] or "",
        fields["outcome"],
        fields["ip"] or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def first_broken_link(links: Iterable[Link]) -> tuple[int, str] | None:
    """The id of the first row whose chain does not hold, and why; None if all hold."""
    expected_prev = GENESIS
    for link in links:
        if link.prev_hash != expected_prev:
            return link.id, "its previous-hash does not match the row before it (a row was removed)"
        if link_hash(link.prev_hash, link.__dict__) != link.hash:
            return link.id, "its contents do not match its hash (the row was changed)"
        expected_prev = link.hash
    return None
