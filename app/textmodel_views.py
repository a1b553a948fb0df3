"""The admin's page about the offline text model: which mode is active, and why.

Registering this blueprint also hands the app's settings (``TEXT_MODEL_PATH``,
``RISK_CLASSIFIER_PATH``, the thresholds, ``CONTENT_DIR``) to :mod:`app.textmodel` and
:mod:`screening.risk_model`. That loads nothing: start-up time does not change, and the
models load on first use in each process. Viewing the page does not load them either; its
"Load now and test" button does.
"""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app import textmodel
from app.accounts.forms import ConfirmForm
from app.accounts.models import Role
from app.security import roles_required
from screening import risk_model

bp = Blueprint("textmodel", __name__)

SAMPLE = "I have been sleeping badly and I feel tired at work."


@bp.record_once
def _configure(state) -> None:
    configure_from(state.app.config)


def configure_from(config) -> None:
    """Pass the app's settings to the process-wide services (loads nothing)."""
    textmodel.configure(
        config.get("TEXT_MODEL_PATH") or "", threads=config.get("TEXT_MODEL_THREADS") or None
    )
    risk_model.configure(
        classifier_path=config.get("RISK_CLASSIFIER_PATH") or "",
        classifier_threshold=config.get(
            "RISK_CLASSIFIER_THRESHOLD", risk_model.DEFAULT_CLASSIFIER_THRESHOLD
        ),
        similarity_threshold=config.get(
            "RISK_SIMILARITY_THRESHOLD", risk_model.DEFAULT_SIMILARITY_THRESHOLD
        ),
        content_dir=config.get("CONTENT_DIR"),
    )


@bp.route("/admin/text-model")
@roles_required(Role.ADMIN)
def status():
    return render_template(
        "textmodel/status.html",
        encoder=textmodel.status(),
        layers=risk_model.status(textmodel.get_encoder()),
        form=ConfirmForm(),
    )


@bp.route("/admin/text-model/load", methods=["POST"])
@roles_required(Role.ADMIN)
def load():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    encoder = textmodel.get_encoder()
    try:
        seconds = encoder.load()
        started = time.perf_counter()
        vectors = encoder.embed([SAMPLE])
        embed_ms = (time.perf_counter() - started) * 1000
    except textmodel.TextModelUnavailable as exc:
        current_app.logger.warning("text model test failed: %s", exc)
        flash(_("The text model could not be loaded: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".status"))
    flash(
        _(
            "The text model is loaded (%(load).1f s). A sample sentence gave a vector of "
            "%(dim)d numbers in %(ms).0f ms.",
            load=seconds,
            dim=vectors.shape[1],
            ms=embed_ms,
        ),
        "success",
    )
    classifier = risk_model.get_classifier()
    if classifier is not None:
        try:
            seconds = classifier.load()
            score = classifier.scores([SAMPLE])[0]
        except textmodel.TextModelUnavailable as exc:
            flash(_("The risk classifier could not be loaded: %(reason)s", reason=str(exc)),
                  "error")
        else:
            flash(
                _(
                    "The risk classifier is loaded (%(load).1f s). The sample sentence "
                    "scored %(score).2f.",
                    load=seconds,
                    score=score,
                ),
                "success",
            )
    return redirect(url_for(".status"))
