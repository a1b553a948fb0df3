"""Risk-language alerts: the patient's own words, read for a clinician (never for the patient).

Free text the patient writes (intake answers, exercise answers, diary notes, messages) runs
through :func:`screening.risk_model.risk_signals`. A text with flagged sentences raises one
risk alert through the same loop as PHQ-9 item 9 (:func:`screening.operations.raise_risk_alert`),
with the sentences as its excerpt. The patient is shown crisis help at once (the sender
learns of the finding through the signal's return), never the sentences; nothing is
answered automatically: a clinician reads the words and decides.

Programmes and messaging do not import this module: they send
:data:`app.signals.patient_text_written`, which :func:`on_patient_text` receives.
Scanning never breaks the patient's save: a failing model layer is logged and the phrase
rules still apply; a failing rule layer is logged too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app

from app.accounts.models import User
from app.db import db
from app.signals import PatientText, RiskFinding
from screening.models import EXCERPT_SEPARATOR, ExcerptSource, RiskAlert, RiskSource

log = logging.getLogger(__name__)

#: The intake's free-text items that are scanned.
INTAKE_TEXT_ITEMS = (
    "presenting_problem", "goals", "previous_treatment_details", "current_medication",
)


def warm_up(_sender: Any, **_kwargs: Any) -> None:
    """Load the risk layers (the text model, the prototypes' embeddings) before requests."""
    flagged_sentences("Warming up before the first request.")


def flagged_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that a layer flagged, in order, without duplicates."""
    sentences: list[str] = []
    try:
        from screening.risk_model import risk_signals

        sentences = [s.sentence for s in risk_signals(text)]
    except Exception:  # the model layer must never break the patient's save
        log.exception("risk-language model layer failed; using the phrase rules only")
        try:
            from screening.risk_language import detect

            sentences = [h.sentence for h in detect(
                text, content_dir=current_app.config.get("CONTENT_DIR"))]
        except Exception:
            log.exception("risk-language rule layer failed")
            return []
    out: list[str] = []
    for sentence in (s.strip() for s in sentences):
        if sentence and sentence not in out:
            out.append(sentence)
    return out


def _key(sentence: str) -> str:
    return " ".join(sentence.split()).casefold()


def _open_excerpts(patient: User) -> set[str]:
    rows = db.session.execute(
        db.select(RiskAlert.excerpt).where(
            RiskAlert.patient_id == patient.id,
            RiskAlert.source == str(RiskSource.LANGUAGE),
            RiskAlert.acknowledged_at.is_(None),
        )
    ).scalars()
    return {_key(sentence) for r in rows if r for sentence in r.split(EXCERPT_SEPARATOR)}


def scan(patient: User, text: str, source: str) -> tuple[list[str], list[RiskAlert]]:
    """The flagged sentences of one text, and the alert they raised (at most one).

    One disclosure is one alert, listing every flagged sentence that no open alert lists
    yet: a clinician reads the patient's words together, and is told once.
    """
    if not isinstance(text, str) or not text.strip():
        return [], []
    from screening.operations import raise_risk_alert

    source = str(ExcerptSource(source))
    sentences = flagged_sentences(text)
    if not sentences:
        return [], []
    open_now = _open_excerpts(patient)
    new = [s for s in sentences if _key(s) not in open_now]
    if not new:
        return sentences, []
    # Outside the screening's one-alert-per-source rule: screening_id stays NULL, so
    # the patient's screening pages (which show crisis help for a risky answer) are
    # unchanged by what a clinician may read here.
    alert = raise_risk_alert(patient, RiskSource.LANGUAGE,
                             excerpt=EXCERPT_SEPARATOR.join(" ".join(s.split()) for s in new),
                             excerpt_source=source)
    return sentences, [alert] if alert is not None else []


def check_text(patient: User, text: str, source: str) -> list[RiskAlert]:
    """Scan one text the patient wrote; raise one alert for its new flagged sentences."""
    return scan(patient, text, source)[1]


def check_texts(patient: User, texts: Iterable[str], source: str) -> list[RiskAlert]:
    raised: list[RiskAlert] = []
    for text in texts:
        raised += check_text(patient, text, source)
    return raised


def check_intake(patient: User, answers: Mapping[str, Any],
                 previous: Mapping[str, Any] | None = None) -> list[RiskAlert]:
    """The intake page's free-text answers that are new or changed since the last save."""
    previous = previous or {}
    texts = [answers[item] for item in INTAKE_TEXT_ITEMS
             if isinstance(answers.get(item), str) and answers[item] != previous.get(item)]
    return safely(patient, texts, ExcerptSource.INTAKE)


def safely(patient: User, texts: Iterable[str], source: str) -> list[RiskAlert]:
    """check_texts in a savepoint; a failure is logged and the patient's save goes on."""
    try:
        with db.session.begin_nested():
            return check_texts(patient, texts, source)
    except Exception:  # never break the patient's save
        log.exception("risk-language check failed for a %s", source)
        return []


def on_patient_text(sender: User, *, written: PatientText, **_kwargs) -> RiskFinding:
    """Scan what the patient wrote; tell the sender whether it holds risk language, so
    the patient sees crisis help at once (the sentences stay for clinicians only)."""
    try:
        with db.session.begin_nested():
            sentences, _alerts = scan(written.patient, written.text, written.source)
    except Exception:  # never break the patient's save
        log.exception("risk-language check failed for a %s", written.source)
        return RiskFinding(flagged=False)
    return RiskFinding(flagged=bool(sentences))
