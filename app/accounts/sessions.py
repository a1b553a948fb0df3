"""Server-side sessions.

Flask's signed cookie cannot be revoked, so the cookie carries only a random
token; the row it names decides whether the login is still alive. Logout,
disabling an account and the idle and absolute timeouts all end that row.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from app.accounts.models import User, UserSession
from app.db import db, utcnow

SESSION_KEY = "sid"
# Writing last_seen on every request would make every page a write; a minute's
# resolution is plenty for a 30-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# What outlives a sign-in or sign-out in the cookie: the language someone chose, and the
# random token of a draft kept through an expired session (app.accounts.drafts). Neither
# is a secret, and neither lets anyone but its owner in.
_CARRIED_OVER = ("lang", "kept_draft")


def clear_for_new_login() -> None:
    """Empty the cookie session but for what is carried over (``_CARRIED_OVER``)."""
    kept = {key: session[key] for key in _CARRIED_OVER if session.get(key)}
    session.clear()
    session.update(kept)


def start(user: User) -> UserSession:
    """Rotate: drop everything the pre-login cookie held and issue a new token."""
    clear_for_new_login()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        token_hash=_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        reauthenticated_at=now,
        ip=request.remote_addr,
    )
    db.session.add(record)
    db.session.flush()
    session[SESSION_KEY] = token
    session.permanent = False
    return record


def current(with_user: bool = False) -> UserSession | None:
    """This browser's session row; ``with_user`` reads its user in the same query (every
    signed-in request needs both: one round trip instead of two)."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    query = db.select(UserSession).where(UserSession.token_hash == _hash(token))
    if with_user:
        query = query.options(joinedload(UserSession.user, innerjoin=True))
    return db.session.execute(query).scalar_one_or_none()


def expiry_reason(record: UserSession, now: datetime) -> str | None:
    config = current_app.config
    if record.ended_at is not None:
        return record.end_reason or "ended"
    if now - record.last_seen_at > timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]):
        return "idle"
    if now - record.created_at > timedelta(hours=config["ABSOLUTE_TIMEOUT_HOURS"]):
        return "absolute"
    return None


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: a user only while their server session lives."""
    record = current(with_user=True)
    if record is None or str(record.user_id) != user_id:
        return None
    g.user_session = record  # this request's session row, for app.crisis
    now = utcnow()
    reason = expiry_reason(record, now)
    if reason is None and not record.user.is_active:
        reason = "disabled"
    if reason is not None:
        end(record, reason)
        session.clear()
        if reason in ("idle", "absolute"):
            session["expired"] = True
            # Whoever they were may be posting a form they typed for a while: keep it.
            g.expired_session_user = record.user
        return None
    if now - record.last_seen_at > TOUCH_INTERVAL:
        record.last_seen_at = now
    return record.user


def end(record: UserSession, reason: str) -> None:
    if record.ended_at is None:
        record.ended_at = utcnow()
        record.end_reason = reason


def end_current(reason: str = "logout") -> None:
    record = current()
    if record is not None:
        end(record, reason)
    clear_for_new_login()


def end_all_for(user: User, reason: str, keep: UserSession | None = None) -> int:
    """End every live session of a user but ``keep`` (disabling, a password change)."""
    records = db.session.execute(
        db.select(UserSession).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None)
        )
    ).scalars()
    count = 0
    for record in records:
        if keep is not None and record.id == keep.id:
            continue
        end(record, reason)
        count += 1
    return count


def mark_reauthenticated() -> None:
    record = current()
    if record is not None:
        record.reauthenticated_at = utcnow()


def recently_authenticated() -> bool:
    record = current()
    if record is None or record.reauthenticated_at is None:
        return False
    window = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return utcnow() - record.reauthenticated_at <= window


def reauthentication_detour(next_url: str | None = None) -> Response | None:
    """To the password page if it was not given again lately, then back to ``next_url``
    (this request's path by default); None if it was."""
    if recently_authenticated():
        return None
    return redirect(url_for("accounts.reauthenticate", next=next_url or request.path))


def reauthentication_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view that asks for the password again first (``reauthentication_detour``)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if (detour := reauthentication_detour()) is not None:
            return detour
        return view(*args, **kwargs)

    return checked
