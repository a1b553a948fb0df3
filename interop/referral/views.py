"""The referral message's routes: receivers (admin), download and send (the therapist).

The core's referral page and patient record show this package's panels (the
``referral_letter_panels`` and ``record_panels`` signals); these routes check who asks,
exactly as the core's own referral page does: only the patient's own therapist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Role, User
from app.audit.models import Action
from app.caseload.loaders import current_therapist_id, get_patient_for_user
from app.caseload.models import Disclosure
from app.db import db
from app.security import patient_page, roles_required
from app.signals import Panel, ReferralLetter
from interop.referral import forms, operations
from interop.referral.models import FhirReceiver
from interop.referral.send import FHIR_JSON

bp = Blueprint("referral_message", __name__, template_folder="templates")


# --- the admin's receivers ------------------------------------------------------------------


@bp.route("/admin/fhir-receivers", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def receivers():
    """The list of receivers, with a form to add one (or, with ``?edit=<id>``, change one)."""
    editing = _receiver(request.args.get("edit", type=int)) if "edit" in request.args else None
    form = forms.ReceiverForm(obj=editing)
    if form.validate_on_submit():
        operations.save_receiver(editing, name=form.name.data, kind=form.kind.data,
                                 endpoint=form.endpoint.data)
        flash(_("The receiver is saved."), "success")
        return redirect(url_for(".receivers"))
    everyone = db.session.execute(db.select(FhirReceiver).order_by(
        FhirReceiver.active.desc(), FhirReceiver.name)).scalars().all()
    status = 422 if form.errors else 200
    return render_template("interop_referral/receivers.html", receivers=everyone, form=form,
                           editing=editing, toggle=forms.ReceiverToggleForm(),
                           kinds=forms.KIND_LABELS), status


def _receiver(receiver_id: int | None) -> FhirReceiver:
    found = db.session.get(FhirReceiver, receiver_id) if receiver_id else None
    if found is None:
        abort(404)
    return found


@bp.route("/admin/fhir-receivers/active", methods=["POST"])
@roles_required(Role.ADMIN)
def toggle_receiver():
    """Deactivate a receiver (it leaves the send form; its past sends stay) or reactivate."""
    form = forms.ReceiverToggleForm()
    if not form.validate_on_submit():
        flash(_("Choose a receiver."), "error")
        return redirect(url_for(".receivers"))
    receiver = _receiver(form.receiver.data)
    operations.set_active(receiver, not receiver.active)
    flash(_("%(name)s is active again.", name=receiver.name) if receiver.active
          else _("%(name)s is deactivated.", name=receiver.name), "success")
    return redirect(url_for(".receivers"))


# --- the therapist's download and send ------------------------------------------------------


def _patient(patient_id: int, action: Action) -> User:
    """The patient, for their own therapist only (others: 404, as the letter page)."""
    patient = get_patient_for_user(patient_id, resource_type=operations.KIND, action=action)
    if not (current_user.is_therapist and current_therapist_id(patient.id) == current_user.id):
        abort(404)
    return patient


def _letter(patient: User, letter_id: str | None) -> Disclosure | None:
    """The named referral letter of this patient (404 if it is not theirs), or the latest."""
    if not letter_id:
        found = operations.letters_of(patient)
        return found[0] if found else None
    letter = db.session.get(Disclosure, int(letter_id)) if letter_id.isdigit() else None
    if letter is None or letter.patient_id != patient.id or letter.kind != "referral_letter":
        abort(404)
    return letter


def _no_letter(patient: User):
    flash(_("Write the referral letter first."), "error")
    return redirect(url_for("caseload.referral", patient_id=patient.id))


@patient_page(bp, "/patients/<int:patient_id>/referral/message", Role.THERAPIST)
def download(patient_id: int):
    """The letter as a FHIR message file (application/fhir+json), audited as an export."""
    patient = _patient(patient_id, Action.EXPORT)
    letter = _letter(patient, request.args.get("letter"))
    if letter is None:
        return _no_letter(patient)
    bundle = operations.build(letter, patient, current_user,
                              operations.message.Endpoint(letter.recipient, ""))
    response = Response(bundle.model_dump_json(indent=2), mimetype=FHIR_JSON)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="referral-{patient.id}-{letter.id}.fhir.json"')
    return response


@patient_page(bp, "/patients/<int:patient_id>/referral/send", Role.THERAPIST, methods=["POST"])
def send(patient_id: int):
    """POST the message to the chosen receiver; the record shows whether it arrived."""
    patient = _patient(patient_id, Action.CREATE)
    form = send_form()
    if not form.validate_on_submit():
        flash(_("Choose a receiver."), "error")
        return redirect(url_for("caseload.patient", patient_id=patient.id) + "#referral-messages")
    letter = _letter(patient, form.letter.data)
    if letter is None:
        return _no_letter(patient)
    receiver = db.session.get(FhirReceiver, form.receiver.data)
    sent = operations.deliver(letter, patient, current_user, receiver)
    if sent.delivered:
        flash(_("The message is delivered to %(name)s.", name=receiver.name), "success")
    else:
        # The reason stays on the page (the record's panel): a receiver's diagnostics may
        # name the patient, and flashes travel in the readable session cookie.
        flash(_("The message was not delivered to %(name)s. The reason is below; you can "
                "send it again.", name=receiver.name), "error")
    return redirect(url_for("caseload.patient", patient_id=patient.id) + "#referral-messages")


def send_form(letter_id: int | None = None) -> forms.SendForm:
    form = forms.SendForm(letter=letter_id)
    form.receiver.choices = [(r.id, r.name) for r in operations.active_receivers()]
    return form


# --- the panels on the core's pages ---------------------------------------------------------


def letter_panel(letter: ReferralLetter) -> Panel:
    """Above the letter just written: send it as a FHIR message, or download it."""
    return Panel(order=10, template="interop_referral/_letter_panel.html", context={
        "patient": letter.patient, "letter_id": letter.letter_id,
        "form": send_form(letter.letter_id)})


def record_panel(patient: User) -> Panel | None:
    """On the record: the referral messages sent and whether they arrived; the patient's
    therapist can send the latest letter (again)."""
    sends = operations.sends_of(patient)
    letters = operations.letters_of(patient)
    if not sends and not letters:
        return None
    mine = current_user.is_therapist and current_therapist_id(patient.id) == current_user.id
    return Panel(order=60, template="interop_referral/_record_panel.html", context={
        "patient": patient, "sends": sends,
        "form": send_form(letters[0].id) if mine and letters else None,
        "letter_id": letters[0].id if letters else None})
