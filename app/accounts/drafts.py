"""Typed text kept through an expired session.

Someone who writes a long message, diary note or clinical note for longer than the idle
timeout used to lose it: the expired session turned their POST into a redirect to the
login page. Now the form's fields are kept on the server, bound to the person whose
session expired, and after signing in again they see what they wrote and can send it with
one button (the page it was going to checks it as it always does), or discard it.

The browser carries only a random token. Nobody else signing in on the same browser sees
the text: a draft shown to anyone but its writer is deleted instead.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_url

from app.accounts.models import KeptDraft, Role, User
from app.audit.models import Action
from app.audit.operations import append_as, record
from app.db import db, utcnow

bp = Blueprint("drafts", __name__)

#: The cookie session's key for the token; app.accounts.sessions keeps it across a sign-in.
DRAFT_KEY = "kept_draft"
#: The hidden field that says "this POST sends a kept draft": the draft is then done with.
RESTORED_FIELD = "kept_draft_id"

# Account forms (sign-in, passwords, second factors) hold secrets, never drafts.
_NEVER_KEPT_BLUEPRINTS = frozenset({"accounts", "contact", "drafts"})
# Never kept, whatever the form: secrets and the form's own plumbing.
_SECRET_NAME = re.compile(r"password|passcode|code|token|secret|totp|next", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Field:
    name: str
    value: str

    @property
    def is_text(self) -> bool:
        """Something a person typed (a sentence, a note), as opposed to a choice or an id."""
        return bool(_LETTER.search(self.value)) and (" " in self.value.strip()
                                                     or len(self.value) >= 20)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _kept_fields() -> list[list[str]]:
    return [[name, value] for name, value in request.form.items(multi=True)
            if not _SECRET_NAME.search(name)]


def _keep_hours() -> int:
    return int(current_app.config["DRAFT_KEEP_HOURS"])


def _purge_old() -> None:
    cutoff = utcnow() - timedelta(hours=_keep_hours())
    db.session.execute(db.delete(KeptDraft).where(KeptDraft.created_at < cutoff))


def keep_for(user: User) -> bool:
    """Keep this request's form for ``user``; False when it holds nothing they typed."""
    fields = _kept_fields()
    if not any(Field(name, value).is_text for name, value in fields):
        return False
    _purge_old()
    token = secrets.token_urlsafe(32)
    draft = KeptDraft(token_hash=_hash(token), user_id=user.id, path=request.path,
                      fields=fields)
    db.session.add(draft)
    db.session.flush()
    # The sender is signed out by now, so the row names them rather than "anonymous".
    append_as([{
        "at": utcnow(), "actor_id": user.id, "actor_role": user.role,
        "patient_id": user.id if user.role == Role.PATIENT else None,
        "action": str(Action.CREATE), "resource_type": "kept_draft",
        "resource_id": str(draft.id), "outcome": "allowed", "ip": request.remote_addr,
    }])
    session[DRAFT_KEY] = token
    return True


def waiting_for(user: User) -> bool:
    """Whether this browser holds a draft of ``user``'s to offer as they sign in."""
    return _draft_of(user) is not None


def unauthorized():
    """Flask-Login's answer to a request without a live session.

    A form posted into a session that has just expired is kept first; then, as always,
    the answer is the login page, which comes back here afterwards.
    """
    expired_user = g.get("expired_session_user")
    if (request.method == "POST" and expired_user is not None and request.form
            and request.blueprint not in _NEVER_KEPT_BLUEPRINTS and keep_for(expired_user)):
        return redirect(url_for("accounts.login"))
    return redirect(login_url("accounts.login", next_url=request.url))


def _draft_of(user: User) -> KeptDraft | None:
    token = session.get(DRAFT_KEY)
    if not token:
        return None
    draft = db.session.execute(
        db.select(KeptDraft).where(KeptDraft.token_hash == _hash(token))
    ).scalar_one_or_none()
    if draft is None:
        return None
    too_old = utcnow() - draft.created_at > timedelta(hours=_keep_hours())
    if draft.user_id != user.id or too_old:
        # Someone else signed in on this browser, or it waited too long: nobody sees it.
        db.session.delete(draft)
        session.pop(DRAFT_KEY, None)
        return None
    return draft


@bp.route("/account/kept-draft")
@login_required
def show():
    draft = _draft_of(current_user)
    if draft is None:
        session.pop(DRAFT_KEY, None)
        return redirect(url_for("main.index"))
    record(Action.READ, "kept_draft", draft.id,
           patient_id=current_user.id if current_user.role == Role.PATIENT else None)
    fields = [Field(name, value) for name, value in draft.fields]
    return render_template("accounts/kept_draft.html", draft=draft, fields=fields,
                           restored_field=RESTORED_FIELD)


@bp.route("/account/kept-draft/discard", methods=["POST"])
@login_required
def discard():
    draft = _draft_of(current_user)
    session.pop(DRAFT_KEY, None)
    if draft is not None:
        db.session.delete(draft)
        flash(_("What you wrote was discarded."), "info")
    return redirect(url_for("main.index"))


def _note_sent_again() -> None:
    """A POST that carries a kept draft's id is sending it; see ``_forget_when_sent``."""
    if request.method != "POST" or not current_user.is_authenticated:
        return
    draft_id = request.form.get(RESTORED_FIELD, "")
    if not (draft_id.isascii() and draft_id.isdigit() and len(draft_id) < 10):
        return
    draft = db.session.get(KeptDraft, int(draft_id))
    if draft is not None and draft.user_id != current_user.id:
        abort(404)
    g.kept_draft_sent = draft


def _forget_when_sent(response):
    """The draft is done with once its page accepted it (and redirected, as pages do then).

    A page that refuses the form shows it again with its errors, and the draft stays
    for another try.
    """
    draft = g.pop("kept_draft_sent", None)
    if draft is not None and 300 <= response.status_code < 400:
        db.session.delete(draft)
        db.session.flush()
        session.pop(DRAFT_KEY, None)
    return response


def init_app(app: Flask) -> None:
    from app.extensions import login_manager

    app.register_blueprint(bp)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(_note_sent_again)
    # Registered after the commit hook, so it runs before it (Flask runs them in reverse).
    app.after_request(_forget_when_sent)
