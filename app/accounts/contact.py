"""Reachable patients: their phone, GP and emergency contact, and asking for a missing phone.

A risk alert is only as good as the clinician's means to reach the patient, so a patient
without a phone number is asked for one at sign-in, before anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import operations, sessions
from app.accounts.contact_forms import ContactForm, phone_region
from app.accounts.models import Role
from app.accounts.phones import example
from app.accounts.views import home_url, safe_next
from app.audit.models import Action
from app.audit.operations import record
from app.security import roles_required

bp = Blueprint("contact", __name__)

#: Pages a patient without a phone can still open: leaving, language, help, the form itself.
EXEMPT_ENDPOINTS = frozenset({
    "static", "accounts.logout", "accounts.set_language", "main.terms", "main.healthz",
    "contact.required", "pwa.manifest", "pwa.service_worker", "pwa.offline",
})


def crisis_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a page of crisis help: nothing may stand between a patient and it."""
    view.crisis_page = True  # type: ignore[attr-defined]
    return view


def _exempt(app: Flask) -> bool:
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS or endpoint.endswith(".static"):
        return True
    return bool(getattr(app.view_functions.get(endpoint), "crisis_page", False))


def _render(template: str, form: ContactForm):
    return render_template(template, form=form, example=example(phone_region()))


@bp.route("/account/phone-needed", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
def required():
    """Asked once at sign-in of a patient registered before phones were required."""
    next_url = safe_next(request.args.get("next"))
    if current_user.phone:
        return redirect(next_url or home_url(current_user))
    form = ContactForm()
    if form.validate_on_submit():
        operations.set_contact_details(current_user, form.details())
        flash(_("Thank you. Your phone number is saved."), "success")
        return redirect(next_url or home_url(current_user))
    return _render("accounts/phone_needed.html", form)


@bp.route("/account/contact", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@sessions.reauthentication_required
def edit():
    form = ContactForm()
    if not form.is_submitted():
        form.fill_from(current_user)
        record(Action.READ, "patient_contact", current_user.id, patient_id=current_user.id)
    if form.validate_on_submit():
        operations.set_contact_details(current_user, form.details())
        flash(_("Your contact details are saved."), "success")
        return redirect(url_for("accounts.account"))
    return _render("accounts/contact.html", form)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def ask_for_missing_phone():
        if (current_user.is_authenticated and current_user.role == Role.PATIENT
                and not current_user.phone and not _exempt(app)):
            if request.method == "GET":
                return redirect(url_for("contact.required", next=request.full_path.rstrip("?")))
            return redirect(url_for("contact.required"))
        return None
