"""The backup's manifest: what the database held when it was taken (pure: no Flask, no I/O)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

FORMAT = "stepcare-backup"
VERSION = 1
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MANIFEST_MEMBER = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be written or read; the message is for the operator."""


@dataclass(frozen=True)
class Facts:
    """What a database holds: its schema revision, its row counts, its audit head."""

    revision: str | None
    counts: dict[str, int]
    audit_count: int
    audit_hash: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    dialect: str
    facts: Facts
    database_member: str
    database_size: int
    database_sha256: str
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def parse(raw: bytes) -> Manifest:
    """The manifest in ``raw``, or a BackupError saying what is wrong with it."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise BackupError("its manifest.json is not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("its manifest.json is not a Stepcare backup manifest")
    if data.get("version") != VERSION:
        raise BackupError(f"it is a version {data.get('version')} backup; "
                          f"this Stepcare reads version {VERSION}")
    try:
        manifest = Manifest(**{**data, "facts": Facts(**data["facts"])})
    except (KeyError, TypeError):
        raise BackupError("its manifest.json lacks fields a backup must have") from None
    _check_types(manifest)
    return manifest


def _check_types(manifest: Manifest) -> None:
    counts = manifest.facts.counts
    if (manifest.dialect not in DATABASE_MEMBERS
            or manifest.database_member != DATABASE_MEMBERS[manifest.dialect]
            or not isinstance(counts, dict)
            or not all(isinstance(n, int) for n in counts.values())
            or not isinstance(manifest.database_size, int)):
        raise BackupError("its manifest.json has fields of the wrong kind")


def differences(expected: Facts, actual: Facts) -> list[str]:
    """What ``actual`` holds that differs from ``expected``, one sentence each."""
    problems = []
    for table, count in sorted(expected.counts.items()):
        found = actual.counts.get(table)
        if found != count:
            problems.append(f"table {table} has {found} rows, the backup had {count}")
    if (actual.audit_count, actual.audit_hash) != (expected.audit_count, expected.audit_hash):
        problems.append(f"the audit head is {actual.audit_count}:{actual.audit_hash}, "
                        f"the backup's was {expected.audit_count}:{expected.audit_hash}")
    return problems


def summary(facts: Facts) -> str:
    rows = sum(facts.counts.values())
    return (f"{len(facts.counts)} tables, {rows} rows, schema revision {facts.revision}, "
            f"audit head {facts.audit_count}:{facts.audit_hash}")
