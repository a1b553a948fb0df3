"""What the patient typed on a questionnaire page that could not be saved yet.

A page with a missing or over-long answer is answered with a redirect back to the page
(Post/Redirect/Get), so the browser's Back button never asks to resend a form. What the
patient typed must survive that redirect, so it is kept on their in-progress screening
(server side, with the other drafts) until the page is saved. It is kept under its own
key: the page's saved answers (``drafts[page]``) decide which page comes next and what is
sent, and an unfinished page must never count as answered.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.audit.models import Action
from app.audit.operations import record
from app.db import db
from screening.models import Screening

_KEY = "typed"


def kept(screening: Screening, page: str) -> dict[str, str] | None:
    """The raw values typed on ``page`` and not saved yet, or None."""
    return (screening.drafts.get(_KEY) or {}).get(page)


def keep(screening: Screening, page: str, values: Mapping[str, str]) -> None:
    typed = {**(screening.drafts.get(_KEY) or {}), page: dict(values)}
    # Assign a new dict: SQLAlchemy notices a replaced JSON value, not an edited one.
    screening.drafts = {**screening.drafts, _KEY: typed}
    db.session.flush()
    record(Action.UPDATE, "screening", screening.id, patient_id=screening.patient_id)


def forget(screening: Screening, page: str) -> None:
    """Drop ``page``'s unsaved values: its answers are saved now."""
    typed = dict(screening.drafts.get(_KEY) or {})
    if typed.pop(page, None) is None:
        return
    screening.drafts = {**screening.drafts, _KEY: typed}
    db.session.flush()
