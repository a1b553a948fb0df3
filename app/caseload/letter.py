"""The referral letter's sections as plain text, for whoever sends the letter on.

The printable letter (``caseload/referral_letter.html``) shows the same facts as markup;
a package that sends the letter as a message (interop's FHIR message) takes these
sections, so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from app import dates
from app.accounts.models import User
from app.caseload.facts import facts_for
from app.caseload.operations import contact_count, step_history


@dataclass(frozen=True)
class LetterSection:
    """One heading of the letter and its text."""

    key: str  # reason | scores | treatment
    title: str
    text: str


def _scores(summary) -> str:
    lines = []
    for measure, label in (("phq9", "PHQ-9"), ("gad7", "GAD-7")):
        latest = summary[f"{measure}_latest"]
        if latest is not None:
            start = latest - (summary[f"{measure}_change"] or 0)
            lines.append(_("%(label)s: %(start)s at start, %(latest)s latest",
                           label=label, start=start, latest=latest))
    return "\n".join(lines) or _("No questionnaire scores.")


def _treatment(patient: User, summary) -> str:
    lines = []
    for step in step_history(patient):
        line = _("Step %(n)s from %(when)s", n=step.step,
                 when=dates.text(step.started_at, "date"))
        lines.append(f"{line}: {step.reason}" if step.reason else line)
    if summary["programme"]:
        line = str(summary["programme"])
        done = summary["modules_done"]
        if done:
            line += ": " + _("%(done)s of %(total)s modules done", done=done[0], total=done[1])
        lines.append(line)
    lines.append(ngettext("%(num)s treatment contact", "%(num)s treatment contacts",
                          contact_count(patient)))
    return "\n".join(lines)


def sections(patient: User, therapist: User, reason: str) -> list[LetterSection]:
    """The letter's reason, scores and treatment so far, in the current language."""
    summary = facts_for(therapist, [patient.id])[patient.id]
    return [
        LetterSection("reason", _("Reason for referral"), reason.strip()),
        LetterSection("scores", _("Questionnaire scores"), _scores(summary)),
        LetterSection("treatment", _("Treatment so far"), _treatment(patient, summary)),
    ]
