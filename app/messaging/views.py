from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.caseload.loaders import current_therapist_id, get_patient_for_user, get_record_for_user
from app.db import db, utcnow
from app.messaging import operations
from app.messaging.forms import MessageForm
from app.messaging.models import Message
from app.security import patient_page, roles_required

bp = Blueprint("messaging", __name__)


def _render_thread(patient: User, form: MessageForm, template: str, *, can_write=True):
    messages = operations.thread(patient)
    # A view event, safe on GET: the reader was shown these messages, a receipt is set
    # once and a repeat view changes nothing (listed in tests/test_get_writes.py).
    operations.mark_read(messages, current_user)
    return render_template(template, patient=patient, messages=messages, form=form,
                           edit_form=MessageForm(formdata=None), can_write=can_write)


def _send(patient: User, form: MessageForm) -> bool:
    if not form.validate_on_submit():
        return False
    operations.send(patient, current_user, form.body.data)
    return True


@patient_page(bp, "/messages", Role.PATIENT, methods=["GET", "POST"])
def patient_thread():
    form = MessageForm()
    therapist_id = current_therapist_id(current_user.id)
    if therapist_id is None and form.validate_on_submit():
        # A page from before the therapist left: nobody can receive this, but the duty
        # clinicians still hear of risk in it, and the patient sees help at once.
        operations.check_undeliverable(current_user, form.body.data)
        form.body.errors = [_("You do not have a therapist yet, so there is nobody to send "
                              "this to. Your text is still here.")]
    elif therapist_id is not None and _send(current_user, form):
        flash(_("Your message is sent."), "success")
        return redirect(url_for(".patient_thread"))
    record(Action.READ, "message_thread", current_user.id, patient_id=current_user.id)
    return _render_thread(current_user, form, "messaging/patient_thread.html",
                          can_write=therapist_id is not None)


@patient_page(bp, "/patients/<int:patient_id>/messages", Role.THERAPIST, methods=["GET", "POST"])
def therapist_thread(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="message_thread")
    form = MessageForm()
    if current_therapist_id(patient.id) != current_user.id and form.is_submitted():
        abort(404)  # a duty therapist may read an unassigned patient's thread, not write
    if _send(patient, form):
        flash(_("Your message is sent."), "success")
        return redirect(url_for(".therapist_thread", patient_id=patient.id))
    return _render_thread(patient, form, "messaging/therapist_thread.html")


@bp.route("/messages/<int:message_id>/edit", methods=["POST"])
@roles_required(Role.PATIENT, Role.THERAPIST)
def edit(message_id: int):
    message = get_record_for_user(Message, message_id, resource_type="message",
                                  action=Action.UPDATE)
    form = MessageForm()
    back = (url_for(".patient_thread") if current_user.is_patient
            else url_for(".therapist_thread", patient_id=message.patient_id))
    if not form.validate_on_submit():
        flash(form.body.errors[0] if form.body.errors else _("Write a message first."), "error")
        return redirect(back)
    try:
        operations.edit(message, current_user, form.body.data)
    except operations.MessageRefused:
        flash(_("This message has been read, so it can no longer be changed."), "error")
    else:
        flash(_("Your message is changed."), "success")
    return redirect(back)


@patient_page(bp, "/inbox", Role.THERAPIST)
def inbox():
    patient_ids = operations.therapist_threads(current_user)
    summaries = operations.summaries(patient_ids)
    patients = {p.id: p for p in db.session.execute(
        db.select(User).where(User.id.in_(list(summaries)))).scalars()}
    rows = sorted(summaries.values(), key=lambda s: (not s.overdue, -s.unread,
                                                     -s.last_at.timestamp()))
    record_many(Action.READ, "message_thread_row", [(s.patient_id, s.patient_id) for s in rows])
    return render_template("messaging/inbox.html", rows=rows, patients=patients, now=utcnow())
