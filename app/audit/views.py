from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import case, desc, func, or_

from app import signals
from app.accounts.models import Role, User
from app.audit.labels import resource_label
from app.audit.models import SYSTEM_CLIENT_ROLE, Action
from app.audit.operations import record
from app.audit.queries import patient_access
from app.db import db
from app.security import patient_data, roles_required

bp = Blueprint("audit", __name__)

PER_PAGE = 50
# Far beyond any real log; keeps the offset a number every database accepts.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Entry:
    """One line of the log: a single event, or a day's repeated list views by one person."""

    at: datetime
    count: int
    actor: User | None
    actor_role: str
    # Another system's name (a FHIR client), when the actor is not a person.
    system_name: str | None
    action: str
    outcome: str
    what: str


def _page_number() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def _entries(patient_id: int, *, others_only: bool, page: int) -> tuple[list[Entry], bool]:
    """A page of the log, newest first, and whether an older page exists."""
    ev = patient_access(patient_id).c
    # List views (a row on someone's list) of one viewer and day share one group;
    # every other event is its own group, keyed by its id.
    group = case((ev.resource_type.endswith("_row", autoescape=True), 0), else_=ev.id)
    query = (
        db.select(func.max(ev.id).label("last_id"), func.max(ev.at).label("at"),
                  func.count().label("n"), ev.actor_id, ev.actor_role, ev.action,
                  ev.resource_type, ev.outcome)
        .group_by(ev.actor_id, ev.actor_role, ev.action, ev.resource_type, ev.outcome,
                  func.date(ev.at), group)
        .order_by(desc("last_id"))
        .limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    )
    if others_only:
        # A system's id may equal the patient's user id: it is someone else all the same.
        query = query.where(or_(ev.actor_id.is_(None), ev.actor_id != patient_id,
                                ev.actor_role == SYSTEM_CLIENT_ROLE))
    rows = db.session.execute(query).all()
    people = [r for r in rows if r.actor_role != SYSTEM_CLIENT_ROLE]
    actor_ids = {r.actor_id for r in people if r.actor_id is not None}
    actors = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_(actor_ids))).scalars()} if actor_ids else {}
    names = _system_names({r.actor_id for r in rows if r.actor_role == SYSTEM_CLIENT_ROLE})
    entries = [
        Entry(at=r.at, count=r.n, actor_role=r.actor_role,
              actor=None if r.actor_role == SYSTEM_CLIENT_ROLE else actors.get(r.actor_id),
              system_name=(names.get(r.actor_id, "") if r.actor_role == SYSTEM_CLIENT_ROLE
                           else None),
              action=r.action, outcome=r.outcome, what=resource_label(r.resource_type))
        for r in rows[:PER_PAGE]
    ]
    return entries, len(rows) > PER_PAGE


def _system_names(ids: set[int]) -> dict[int, str]:
    """Names of the systems (FHIR clients) among the actors, from the package that owns them."""
    names: dict[int, str] = {}
    if ids:
        for found in signals.answers(signals.audit_actor_names, SYSTEM_CLIENT_ROLE, ids=ids):
            names.update(found)
    return names


@bp.route("/account/access-log")
@roles_required(Role.PATIENT)
@patient_data
def access_log():
    """The patient's own "Min Log": who has looked at or changed their records."""
    show = "all" if request.args.get("show") == "all" else "others"
    page = _page_number()
    entries, has_older = _entries(current_user.id, others_only=show == "others", page=page)
    record(Action.READ, "access_log", current_user.id, patient_id=current_user.id)
    return render_template("audit/access_log.html", entries=entries, show=show, page=page,
                           has_older=has_older, per_page=PER_PAGE)
