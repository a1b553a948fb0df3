"""Helpers that act as a browser would: fetch a form's CSRF token, then post."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pyotp
from bs4 import BeautifulSoup

from app.accounts.models import User, UserSession
from app.accounts.sessions import SESSION_KEY, _hash
from app.db import db, utcnow

# The content the project ships (content/): what the default STEPCARE_CONTENT_DIR names.
SHIPPED_CONTENT = Path(__file__).resolve().parent.parent / "content"

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, *, token_from: str | None = None,
              **kwargs):
    """POST like a browser: with the CSRF token a page of this session carries."""
    payload = {"csrf_token": csrf_token(client, token_from or url), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def totp_code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def login(client, user: User, password: str, *, totp_secret: str | None = None):
    """Sign in through the real forms (password, then the code for clinicians)."""
    response = post_form(client, "/login", {"email": user.email, "password": password})
    if totp_secret and response.status_code == 302 and "/login/two-step" in response.location:
        response = post_form(client, "/login/two-step", {"code": totp_code(totp_secret)})
    return response


def sign_in(app, client, user: User) -> str:
    """A live server session without the forms, for tests about something else."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        now = utcnow()
        db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                                   last_seen_at=now, reauthenticated_at=now))
        db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session[SESSION_KEY] = token
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return token


class QueryCounter:
    """Counts SQL statements sent while active (use as a context manager)."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)


def queries_for(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def parsed(page) -> BeautifulSoup:
    """A page (a response or its text) as parsed HTML, for assertions on structure."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return BeautifulSoup(text, "html.parser")


def audited_lines(resource_type: str, *, after_id: int = 0, action: str | None = None) -> list:
    """What the trail names for this resource type, a line per thing touched, in the order
    written: a row about one thing, or each line of a list view's event (call in an app
    context). Each has the event's actor_id, actor_role and action, and the line's
    patient_id and resource_id."""
    from sqlalchemy import literal, union_all

    from app.audit.models import AuditEvent as Event
    from app.audit.models import AuditEventPatient as Member

    where = [Event.resource_type == resource_type, Event.id > after_id]
    if action:
        where.append(Event.action == action)
    shared = (Event.id, Event.actor_id, Event.actor_role, Event.action)
    own = db.select(*shared, literal(0).label("line"), Event.patient_id, Event.resource_id).where(
        *where, ~db.exists().where(Member.event_id == Event.id))
    listed = db.select(*shared, Member.id, Member.patient_id, Member.resource_id).join(
        Member, Member.event_id == Event.id).where(*where)
    found = union_all(own, listed).subquery()
    return db.session.execute(db.select(found).order_by(found.c.id, found.c.line)).all()


def audited_patients(resource_type: str, *, after_id: int = 0,
                     action: str | None = None) -> list[int | None]:
    """The patients ``audited_lines`` names, in the order written."""
    return [line.patient_id for line in audited_lines(resource_type, after_id=after_id,
                                                      action=action)]
