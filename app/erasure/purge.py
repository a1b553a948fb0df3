"""``flask purge-expired``: purge the records of erasure requests whose retention ended.

For each such request: every row that refers to the patient is deleted (across the core
and every package, app.erasure.references), the account row becomes an anonymised stub,
the request is closed as purged, and one tombstone row is appended to the audit trail.

The audit trail is append-only and hash-chained: its rows are neither deleted nor
rewritten, so ``flask audit verify`` still holds. They hold no names or free text, only
ids, resource types, times and the address a request came from; with the account row
anonymised, the patient id they carry names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import click
from flask import Flask
from flask.cli import with_appcontext

from app.audit.models import Action
from app.audit.operations import record
from app.db import db, utcnow
from app.erasure import references
from app.erasure.models import ErasureRequest, ErasureStatus
from app.erasure.operations import anonymise_stub, close, purgeable_from


@dataclass(frozen=True)
class Due:
    request: ErasureRequest
    purgeable_from: datetime


def due(now: datetime | None = None) -> list[Due]:
    """Pending requests whose retention period has ended, oldest first."""
    now = now or utcnow()
    pending = db.session.execute(
        db.select(ErasureRequest).where(ErasureRequest.status == ErasureStatus.PENDING)
        .order_by(ErasureRequest.requested_at, ErasureRequest.id)
    ).scalars()
    found = [Due(r, purgeable_from(r.user)) for r in pending]
    return [d for d in found if d.purgeable_from <= now]


def purge(found: ErasureRequest) -> int:
    """Delete one patient's record; returns how many rows went."""
    user = found.user
    db.session.flush()
    deleted = references.delete_rows_of(user.id)
    anonymise_stub(user)
    close(found, ErasureStatus.PURGED, None)
    db.session.flush()
    record(Action.DELETE, "patient", user.id, patient_id=user.id)  # the tombstone
    return deleted


@click.command("purge-expired")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
def purge_expired_command(dry_run: bool) -> None:
    """Purge the records of erasure requests whose retention period has ended."""
    expired = due()
    if not expired:
        click.echo("Nothing to purge.")
        return
    for item in expired:
        r = item.request
        if dry_run:
            click.echo(f"Would purge patient {r.user_id} (request {r.id}, "
                       f"purgeable from {item.purgeable_from:%Y-%m-%d}).")
            continue
        rows = purge(r)
        db.session.commit()  # one patient at a time: a failure leaves the others done
        click.echo(f"Purged patient {r.user_id} (request {r.id}): {rows} rows deleted.")
    if dry_run:
        db.session.rollback()


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_expired_command)
