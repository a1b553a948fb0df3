"""The minimal signed-in page: the yardstick that bench/caseload.py compares Stepcare with.

A plain Flask app, deliberately none of Stepcare's code, that does what any signed-in page
of a careful Flask app must do and nothing more:

- Flask-Login loads the user from a server-side session table and the user row: two ORM
  queries (the signed cookie carries only the session's token);
- a small Jinja template with a CSRF token (Flask-WTF) and translated strings (Flask-Babel);
- Stepcare's set of security headers (copied, not imported, from ``app/security.py``);
- a commit, with the session's "last seen" touched once a minute as Stepcare does.

It uses its own two tables in the database it is given, so it can be served beside Stepcare
on the very same database, by the same gunicorn command:

    DATABASE_URL=sqlite:///... gunicorn --workers 2 'minimal_app:app'   # from bench/
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, render_template, session
from flask_babel import Babel, get_locale
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cache-Control": "no-store",  # signed in: never cache
    "Pragma": "no-cache",
}
TOUCH_EVERY = timedelta(minutes=1)

db = SQLAlchemy()
login = LoginManager()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class MinimalUser(UserMixin, db.Model):
    __tablename__ = "minimal_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8), default="en")


class MinimalSession(db.Model):
    __tablename__ = "minimal_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("minimal_user.id"))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@login.user_loader
def load_user(user_id: str) -> MinimalUser | None:
    token = session.get("sid")
    if not token:
        return None
    row = db.session.execute(db.select(MinimalSession).where(
        MinimalSession.token_hash == _hash(token))).scalar_one_or_none()
    if row is None or str(row.user_id) != user_id:
        return None
    if utcnow() - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = utcnow()
    return db.session.get(MinimalUser, row.user_id)


def _locale() -> str:
    return current_user.language if current_user.is_authenticated else "en"


def create_app(database_url: str | None = None, secret: str | None = None) -> Flask:
    app = Flask(__name__, template_folder="minimal_templates")
    app.config.update(
        SECRET_KEY=secret or os.environ["STEPCARE_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=_uri(database_url or os.environ["DATABASE_URL"]),
    )
    db.init_app(app)
    login.init_app(app)
    CSRFProtect(app)
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    @app.get("/")
    @login_required
    def page() -> str:
        html = render_template("minimal.html")
        db.session.commit()  # one commit per request, as Stepcare's
        return html

    @app.after_request
    def headers(response):
        response.headers.update(HEADERS)
        return response

    return app


def _uri(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def prepare(database_url: str, secret: str) -> str:
    """Create the two tables, a user and a live session; the Cookie header that carries it."""
    app = create_app(database_url, secret)
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.create_all()
        user = MinimalUser(name="Mette", language="en")
        db.session.add(user)
        db.session.flush()
        db.session.add(MinimalSession(token_hash=_hash(token), user_id=user.id,
                                      last_seen_at=utcnow()))
        db.session.commit()
        value = app.session_interface.get_signing_serializer(app).dumps(
            {"sid": token, "_user_id": str(user.id), "_fresh": True})
        db.engine.dispose()
    return f"session={value}"


app = create_app() if "DATABASE_URL" in os.environ and __name__ != "__main__" else None
