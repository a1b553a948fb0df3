"""What screening adds to the core's pages: the menu, the patient's home, the patient record,
the text-model page, and the intake answers programmes ranks modules by.

Every receiver reads (and audits) what its template shows before any template renders.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record
from app.caseload.operations import current_step
from app.db import db
from app.signals import IntakeProfile, NavEntry, Panel
from screening import followup, operations, progress, risk_model
from screening.caseload import measures_by_patient
from screening.charts import change_markers, outcome_chart
from screening.models import Screening, ScreeningStatus
from screening.steps import STEP_NAMES, STEP_NEXT
from screening.views import language

#: The intake's free-text items that say what brings the patient and what they want.
PROFILE_TEXT_ITEMS = ("presenting_problem", "goals")


def nav(user: User) -> list[NavEntry]:
    if not user.role_enum.is_clinician:
        return []
    return [NavEntry(60, _l("New screenings"), "screening.review_queue"),
            NavEntry(70, _l("Risk alerts"), "screening.alerts",
                     badge=operations.count_open_alerts(user))]


def own_progress(patient: User) -> list[dict]:
    """The patient's PHQ-9 and GAD-7 over time, for her own home page (audited).

    One query and, when there is anything to show, one audit row, however many measures.
    """
    lang = language()
    series = measures_by_patient([patient.id]).get(patient.id, {"phq9": [], "gad7": []})
    if not any(series.values()):
        return []
    record(Action.READ, "measure_series", patient.id, patient_id=patient.id)
    found = []
    for i in ("phq9", "gad7"):
        instrument, totals = operations.instrument(i), series[i]
        said = progress.trend(i, [total for _when, total in totals])
        band = instrument.band_for(totals[-1][1]).label.get(lang) if totals else ""
        found.append({
            "instrument": instrument,
            "sentence": progress.sentence(i, said, score_max=instrument.score_max, band=band),
            # One measure is no trend yet: the sentence and the table say it all.
            "svg": outcome_chart(instrument, totals, lang) if len(totals) > 1 else None,
            "rows": list(zip(totals, change_markers(i, totals), strict=True)),
        })
    return found


def home_panel(patient: User) -> Panel:
    return Panel(
        order=10,
        template="screening/_home_panel.html",
        context={
            "in_progress": operations.in_progress_for(patient),
            "submitted": operations.latest_submitted_for(patient),
            "step": current_step(patient),
            "weekly_due": operations.weekly_due(patient),
            "followup_due": followup.due_for(patient),
            "step_names": STEP_NAMES,
            "step_next": STEP_NEXT,
            "progress": own_progress(patient),
        },
    )


def record_panel(patient: User) -> Panel:
    lang = language()
    series = measures_by_patient([patient.id]).get(patient.id, {"phq9": [], "gad7": []})
    charts = [
        {"instrument": operations.instrument(i), "svg": outcome_chart(
            operations.instrument(i), series[i], lang) if series[i] else None,
         "rows": list(zip(series[i], change_markers(i, series[i]), strict=True))}
        for i in ("phq9", "gad7")
    ]
    screenings = db.session.execute(
        db.select(Screening).where(Screening.patient_id == patient.id,
                                   Screening.status != ScreeningStatus.IN_PROGRESS)
        .order_by(Screening.submitted_at.desc())
    ).scalars().all()
    return Panel(order=10, template="screening/_record_panel.html", context={
        "charts": charts, "screenings": screenings, "step_names": STEP_NAMES,
        "risk_alerts": [a for a in operations.open_alerts_for(current_user)
                        if a.patient_id == patient.id],
    })


def intake_profile(patient: User) -> IntakeProfile | None:
    """Item answers and totals of the latest screening, and its free text."""
    screening = operations.latest_submitted_for(patient)
    if screening is None:
        return None
    answers: dict[str, int] = {}
    for page in ("phq9", "gad7", "wsas"):
        answers |= {k: v for k, v in screening.drafts.get(page, {}).items() if isinstance(v, int)}
    facts = screening.facts or {}
    answers |= {k: facts[k] for k in ("phq9_total", "gad7_total", "wsas_total")
                if isinstance(facts.get(k), int)}
    intake = screening.drafts.get("intake", {})
    texts = tuple(intake[k].strip() for k in PROFILE_TEXT_ITEMS
                  if isinstance(intake.get(k), str) and intake[k].strip())
    return IntakeProfile(answers, texts)


# --- the admin's text-model page -------------------------------------------------------------


def text_model_panel(encoder) -> Panel:
    """The risk-language layers' state (loads nothing)."""
    return Panel(order=10, template="screening/_text_model_layers.html",
                 context={"layers": risk_model.status(encoder)})


def text_model_test(encoder, *, sample: str) -> Iterable[tuple[str, str]]:
    """Load the risk classifier, when one is configured, and score the sample."""
    from textmodel import TextModelUnavailable

    classifier = risk_model.get_classifier()
    if classifier is None:
        return []
    try:
        seconds = classifier.load()
        score = classifier.scores([sample])[0]
    except TextModelUnavailable as exc:
        return [("error", _("The risk classifier could not be loaded: %(reason)s",
                            reason=str(exc)))]
    return [("success", _("The risk classifier is loaded (%(load).1f s). The sample sentence "
                          "scored %(score).2f.", load=seconds, score=score))]
