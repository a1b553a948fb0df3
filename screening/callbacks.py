"""The risk-alert page and its callback log: every attempt to reach the patient, and the
rule that an alert is acknowledged only after a reached contact or a documented reason
why none was possible.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import DateTimeLocalField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import add_recorded, record, record_many
from app.caseload.loaders import current_therapist_id, get_record_for_user
from app.db import db, utcnow
from app.security import patient_data, roles_required
from app.signals import risk_alert_panels, sorted_panels
from screening import notifications
from screening.forms import NOTE_MAX, AcknowledgeForm, strip
from screening.models import ContactAttempt, ContactMethod, ContactOutcome, RiskAlert
from screening.views import EXCERPT_SOURCES, bp

METHODS = {ContactMethod.PHONE: _l("Phone"), ContactMethod.VIDEO: _l("Video"),
           ContactMethod.MESSAGE: _l("Message"), ContactMethod.IN_PERSON: _l("In person")}
OUTCOMES = {ContactOutcome.REACHED: _l("Reached"), ContactOutcome.NO_ANSWER: _l("No answer"),
            ContactOutcome.VOICEMAIL: _l("Voicemail"),
            ContactOutcome.WRONG_NUMBER: _l("Wrong number")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def _not_in_the_future(form, field) -> None:
    if field.data is not None and _as_utc(field.data) > utcnow() + timedelta(minutes=5):
        raise ValidationError(_l("The time cannot be in the future."))


class ContactForm(FlaskForm):
    method = RadioField(_l("How"), choices=_choices(METHODS),
                        validators=[InputRequired(message=_l("Choose how you tried."))])
    outcome = RadioField(_l("Outcome"), choices=_choices(OUTCOMES),
                         validators=[InputRequired(message=_l("Choose the outcome."))])
    attempted_at = DateTimeLocalField(
        _l("When"), format="%Y-%m-%dT%H:%M",
        description=_l("Leave empty for now."),
        validators=[Optional(), _not_in_the_future])
    contact_note = TextAreaField(
        _l("Note"),
        description=_l("For example: spoke for 20 minutes, no plans, agreed to call tomorrow."),
        filters=[strip],
        validators=[DataRequired(message=_l("Write a short note about the attempt.")),
                    Length(min=2, max=NOTE_MAX,
                           message=_l("Write between 2 and 2000 characters."))])


def _as_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"])).astimezone(
        ZoneInfo("UTC"))


# --- writes -------------------------------------------------------------------------------


def log_contact(alert: RiskAlert, *, by: User, method: str, outcome: str, note: str,
                at: datetime | None = None) -> ContactAttempt:
    if not note.strip() or method not in set(ContactMethod) or outcome not in set(ContactOutcome):
        raise ValueError("a contact attempt needs a method, an outcome and a note")
    attempt = ContactAttempt(alert_id=alert.id, patient_id=alert.patient_id, by_id=by.id,
                             attempted_at=at or utcnow(), method=method, outcome=outcome,
                             note=note.strip())
    return add_recorded(attempt, "risk_contact_attempt", patient_id=alert.patient_id)


def acknowledge(alert: RiskAlert, *, by: User, note: str,
                no_contact_reason: str | None = None) -> None:
    """Close the alert: only after a reached contact, or with the reason none was possible."""
    if not alert.reached and not (no_contact_reason or "").strip():
        raise ValueError("acknowledging needs a reached contact or a reason why none was possible")
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = by.id
    alert.acknowledgement_note = note.strip()
    alert.no_contact_reason = (no_contact_reason or "").strip() or None
    db.session.flush()
    record(Action.UPDATE, "risk_alert", alert.id, patient_id=alert.patient_id)


# --- the page -----------------------------------------------------------------------------


def _load(alert_id: int, action: Action = Action.READ) -> RiskAlert:
    return get_record_for_user(
        RiskAlert, alert_id, resource_type="risk_alert", action=action,
        options=[selectinload(RiskAlert.patient), selectinload(RiskAlert.therapist),
                 selectinload(RiskAlert.contacts).selectinload(ContactAttempt.by)])


def _page(alert: RiskAlert, form: AcknowledgeForm, contact_form: ContactForm):
    record_many(Action.READ, "risk_contact_attempt",
                [(c.id, alert.patient_id) for c in alert.contacts])
    # Whoever holds the patient now answers for the alert, even after a reassignment.
    responsible_id = current_therapist_id(alert.patient_id)
    return render_template(
        "screening/alert.html", alert=alert, form=form, contact_form=contact_form,
        now=utcnow(), excerpt_sources=EXCERPT_SOURCES, methods=METHODS, outcomes=OUTCOMES,
        responsible=db.session.get(User, responsible_id) if responsible_id else None,
        panels=sorted_panels(risk_alert_panels, alert.patient),
        notifications=notifications.for_alert(alert))


@bp.route("/alerts/<int:alert_id>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def alert(alert_id: int):
    alert = _load(alert_id)
    form = AcknowledgeForm()
    if not (alert.is_open and form.validate_on_submit()):
        status = 422 if form.is_submitted() and alert.is_open else 200
        return _page(alert, form, ContactForm(formdata=None)), status
    reason = (form.no_contact_reason.data or "").strip()
    if not alert.reached and not reason:
        form.no_contact_reason.errors.append(_(
            "Nobody has reached the patient yet. Log a reached contact first, or write why "
            "no contact was possible."))
        return _page(alert, form, ContactForm(formdata=None)), 422
    acknowledge(alert, by=current_user, note=form.note.data,
                no_contact_reason=None if alert.reached else reason)
    flash(_("The alert is acknowledged."), "success")
    return redirect(url_for(".alerts"))


@bp.route("/alerts/<int:alert_id>/contacts", methods=["POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def log_contact_view(alert_id: int):
    alert = _load(alert_id, Action.UPDATE)
    contact_form = ContactForm()
    if not contact_form.validate_on_submit():
        return _page(alert, AcknowledgeForm(formdata=None), contact_form), 422
    log_contact(alert, by=current_user, method=contact_form.method.data,
                outcome=contact_form.outcome.data, note=contact_form.contact_note.data,
                at=_as_utc(contact_form.attempted_at.data)
                if contact_form.attempted_at.data else None)
    flash(_("The contact attempt is logged."), "success")
    return redirect(url_for(".alert", alert_id=alert.id) + "#contacts")
