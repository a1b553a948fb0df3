"""The hash chain over audit rows (pure: no Flask, no database).

Rows written before a key was configured carry no key id and are chained with
plain SHA-256, so an existing trail keeps verifying. Rows written with a key
carry its id and an HMAC-SHA-256, which nobody without the key can forge. Once
a keyed row appears, every later row must be keyed: otherwise an attacker
could rewrite the tail with plain hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
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
    key_id: str | None
    prev_hash: str
    hash: str
    # The digest of the patients a list view showed (``members_digest``), read back from
    # audit_event_patient when the chain is verified; None for a row about one thing.
    members: str | None = None


def key_id_of(key: bytes) -> str:
    """A short name for a key that reveals nothing about it."""
    return hmac.new(key, b"stepcare audit key id", hashlib.sha256).hexdigest()[:12]


def members_digest(members: Iterable[tuple[str | None, int | None]]) -> str:
    """One digest over a list view's (resource id, patient id) pairs, in the order shown.

    The event's hash covers it, so a patient added to or taken from the list afterwards
    breaks the chain at that event.
    """
    text = "\x1e".join(f"{resource_id or ''}\x1f{'' if patient_id is None else patient_id}"
                       for resource_id, patient_id in members)
    return hashlib.sha256(text.encode()).hexdigest()


def _message(prev_hash: str, fields: dict) -> bytes:
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
    if fields.get("key_id"):
        parts.append(fields["key_id"])
    if fields.get("members"):
        # Rows about one thing hash as they always did: older trails keep verifying.
        parts.append("members:" + fields["members"])
    return "\x1f".join(parts).encode()


def link_hash(prev_hash: str, fields: dict, key: bytes | None = None) -> str:
    """SHA-256 (no key) or HMAC-SHA-256 over the previous hash and the row's fields."""
    message = _message(prev_hash, fields)
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


KeyLookup = Callable[[str], bytes | None]


def _check(link: Link, keys: KeyLookup, keyed_seen: bool) -> str | None:
    if link.key_id is None:
        if keyed_seen:
            return "it is not keyed although an earlier row is (the tail was rewritten)"
        expected = link_hash(link.prev_hash, link.__dict__)
    else:
        key = keys(link.key_id)
        if key is None:
            return f"it was written with audit key {link.key_id}, which is not configured"
        expected = link_hash(link.prev_hash, link.__dict__, key)
    if not hmac.compare_digest(expected, link.hash):
        return "its contents do not match its hash (the row was changed)"
    return None


def first_broken_link(
    links: Iterable[Link], keys: KeyLookup = lambda _id: None
) -> tuple[int, str] | None:
    """The id of the first row whose chain does not hold, and why; None if all hold."""
    expected_prev = GENESIS
    keyed_seen = False
    for link in links:
        if link.prev_hash != expected_prev:
            return link.id, "its previous-hash does not match the row before it (a row was removed)"
        why = _check(link, keys, keyed_seen)
        if why:
            return link.id, why
        keyed_seen = keyed_seen or link.key_id is not None
        expected_prev = link.hash
    return None
