"""The admin's page about the offline text model: which mode is active, and why.

Viewing the page loads nothing; its "Load now and test" button does. The packages that
use the encoder describe their own layers here (``app.signals.text_model_panels``) and
load their own models on the button (``app.signals.text_model_test``).
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import textmodel
from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Role
from app.security import roles_required
from app.signals import NavEntry, flattened, nav_entries, sorted_panels, text_model_panels
from app.signals import text_model_test as text_model_test_signal
from textmodel.reasons import describe

bp = Blueprint("textmodel", __name__, template_folder="templates")

SAMPLE = "I have been sleeping badly and I feel tired at work."


@bp.route("/admin/text-model")
@roles_required(Role.ADMIN)
def status():
    encoder = textmodel.get_encoder()
    return render_template(
        "textmodel/status.html",
        encoder=textmodel.status(),
        panels=sorted_panels(text_model_panels, encoder),
        form=ConfirmForm(),
    )


@bp.route("/admin/text-model/load", methods=["POST"])
@roles_required(Role.ADMIN)
def load():
    require_confirm()
    encoder = textmodel.get_encoder()
    try:
        seconds = encoder.load()
        started = time.perf_counter()
        vectors = encoder.embed([SAMPLE])
        embed_ms = (time.perf_counter() - started) * 1000
    except textmodel.TextModelUnavailable as exc:
        current_app.logger.warning("text model test failed: %s", exc)
        flash(_("The text model could not be loaded: %(reason)s", reason=describe(str(exc))),
              "error")
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
    for category, message in flattened(text_model_test_signal, encoder, sample=SAMPLE):
        flash(message, category)
    return redirect(url_for(".status"))


def _nav(user) -> list[NavEntry]:
    if not user.is_admin:
        return []
    return [NavEntry(30, _l("Text model"), "textmodel.status")]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # The risk layers' panel (screening) states its classifier's reasons through it too.
    app.add_template_filter(describe, "text_model_reason")
    nav_entries.connect(_nav)
