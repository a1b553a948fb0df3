"""The patient's own progress on PHQ-9 and GAD-7, in words a patient understands.

``trend`` is pure (no Flask, no database): what a series of totals says, judged by the
reliable-change thresholds of the NHS Talking Therapies rules (scoring). ``sentence`` puts
that in the patient's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from screening import scoring

RELIABLE_CHANGE = {"phq9": scoring.PHQ9_RELIABLE_CHANGE, "gad7": scoring.GAD7_RELIABLE_CHANGE}

Kind = Literal["none", "one", "improved", "deteriorated", "no_change"]


@dataclass(frozen=True)
class Trend:
    """What the totals say: ``first`` and ``last`` are None without a measure."""

    kind: Kind
    first: int | None = None
    last: int | None = None


def trend(instrument_id: str, totals: Sequence[int]) -> Trend:
    """From the first to the latest total, oldest first; one total is no trend yet.

    Each measure is judged on its own threshold, as the record's chart markers are, so the
    patient's sentence and the therapist's chart never disagree.
    """
    threshold = RELIABLE_CHANGE[instrument_id]
    if not totals:
        return Trend("none")
    first, last = totals[0], totals[-1]
    if len(totals) == 1:
        return Trend("one", first, last)
    if first - last >= threshold:
        return Trend("improved", first, last)
    if last - first >= threshold:
        return Trend("deteriorated", first, last)
    return Trend("no_change", first, last)


def sentence(instrument_id: str, found: Trend, *, score_max: int, band: str) -> str:
    """The trend in the patient's language (``band``: the latest total's band, translated)."""
    from flask_babel import gettext as _

    name = _("depression score") if instrument_id == "phq9" else _("anxiety score")
    values = {"name": name, "first": found.first, "last": found.last, "max": score_max,
              "band": band.lower()}
    if found.kind == "none":
        return _("You have not answered this questionnaire yet.")
    if found.kind == "one":
        # Step 1 has no weekly measures, so "next week" would promise what may not come.
        return _("Your %(name)s is %(last)s out of %(max)s: %(band)s. When you answer the "
                 "questionnaires again, you will see how it changes.", **values)
    latest = _("Your latest score is %(last)s out of %(max)s: %(band)s.", **values)
    if found.kind == "improved":
        said = _("Your %(name)s has fallen from %(first)s to %(last)s: that is a reliable "
                 "improvement.", **values)
    elif found.kind == "deteriorated":
        said = _("Your %(name)s has risen from %(first)s to %(last)s: that is a reliable "
                 "worsening. It can help to talk about it with your therapist.", **values)
    else:
        said = _("Your %(name)s has gone from %(first)s to %(last)s. That is not a reliable "
                 "change yet: scores go up and down a little from week to week.", **values)
    return f"{said} {latest}"
