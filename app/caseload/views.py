from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import content
from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Consent, Role, User
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.caseload import alerts as clinical_alerts
from app.caseload import columns, operations, projection, triage
from app.caseload.facts import facts_for
from app.caseload.forms import AssignForm, NoteForm, ReferralForm, StepChangeForm
from app.caseload.loaders import (
    current_therapist_id,
    get_patient_for_user,
    get_record_for_user,
    patient_names_of,
)
from app.caseload.models import CareAssignment, ClinicalAlert, ClinicianNote, StepAssignment
from app.caseload.paging import page_number, paginate
from app.db import db, utcnow
from app.security import patient_page, roles_required
from app.signals import (
    ReferralLetter,
    caseload_today,
    record_panels,
    referral_letter_panels,
    sorted_panels,
)

bp = Blueprint("caseload", __name__)


@patient_page(bp, "/caseload", Role.THERAPIST)
def index():
    now = utcnow()
    inactive_days = current_app.config["INACTIVE_ALERT_DAYS"]
    rows = caseload_rows(patient_names_of(current_user))
    step = request.args.get("step", type=int)
    only = request.args.get("only", type=int)
    shown = triage.filter_rows(rows, step=step if step in (1, 2, 3, 4) else None,
                               only=triage.Category(only) if only in CATEGORY_VALUES else None,
                               now=now, inactive_days=inactive_days)
    order = request.args.get("sort", "triage")
    # The whole caseload is ordered before it is cut, so page 2 continues where page 1
    # stopped and a new risk alert lands on page 1 at once.
    page = paginate(triage.sort_rows(shown, order, now, inactive_days),
                    page_number(request.args.get("page")),
                    current_app.config["CASELOAD_PAGE_SIZE"])
    for row in page.items:
        row.category = triage.category(row, now, inactive_days)
    html = render_template(
        "caseload/index.html", rows=page.items, page=page, total=len(rows), order=order,
        step=step, only=only, table=columns.table(current_user),
        panels=sorted_panels(caseload_today, current_user), now=now)
    # Written last: on PostgreSQL the audit chain's lock is then held only until the commit.
    # Only the patients on the shown page were shown.
    record_many(Action.READ, "caseload_row", [(r.patient_id, r.patient_id) for r in page.items])
    return html


CATEGORY_VALUES = {c.value for c in triage.Category}


def caseload_rows(patients: list[tuple[int, str]]) -> list[triage.Row]:
    """One row per (patient id, name), with the facts every package contributes, as stored."""
    facts = projection.stored_facts_for([pid for pid, _name in patients], str(get_locale()))
    return [triage.Row(pid, name, facts[pid]) for pid, name in patients]


@patient_page(bp, "/patients/<int:patient_id>", Role.THERAPIST, Role.ADMIN)
def patient(patient_id: int):
    # The most visited record page: its audit row waits for the commit (see the loader).
    patient = get_patient_for_user(patient_id, audit_at_commit=True)
    return _record(patient)


def _record(patient: User, **forms):
    therapist_id = current_therapist_id(patient.id)  # read for the scope check already
    consents = db.session.execute(
        db.select(Consent).where(Consent.user_id == patient.id).order_by(Consent.accepted_at)
    ).scalars()
    notes = db.session.execute(
        db.select(ClinicianNote).options(selectinload(ClinicianNote.author))
        .where(ClinicianNote.patient_id == patient.id)
        .order_by(ClinicianNote.created_at.desc())
    ).scalars().all()
    steps = db.session.execute(
        db.select(StepAssignment).where(StepAssignment.patient_id == patient.id)
        .order_by(StepAssignment.started_at.desc())
    ).scalars().all()
    step_form = forms.get("step_form") or StepChangeForm(formdata=None)
    return render_template(
        "caseload/patient.html", patient=patient,
        therapist=db.session.get(User, therapist_id) if therapist_id else None,
        consents=list(consents), notes=notes, steps=steps,
        clinical_alerts=clinical_alerts.open_for(patient.id),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        step_form=step_form, confirm_form=ConfirmForm(),
        may_act=_may_act(patient),
        panels=sorted_panels(record_panels, patient),
    )


def _shown_again(patient: User, **forms):
    """The record with a form's errors: nothing was written, but the record was read.

    The 422 rolls back the loader's update row; this read row stays (see _commit_once).
    """
    record(Action.READ, "patient", patient.id, patient_id=patient.id)
    return _record(patient, **forms), 422


def _may_act(patient: User) -> bool:
    """Only the patient's own therapist changes their care; admins and duty staff read."""
    return current_user.is_therapist and current_therapist_id(patient.id) == current_user.id


def _patient_to_act_on(patient_id: int) -> User:
    patient = get_patient_for_user(patient_id, action=Action.UPDATE)
    if not _may_act(patient):
        abort(404)
    return patient


@patient_page(bp, "/patients/<int:patient_id>/notes", Role.THERAPIST, methods=["POST"])
def add_note(patient_id: int):
    patient = _patient_to_act_on(patient_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _shown_again(patient, note_form=form)
    operations.add_note(patient, current_user, form.body.data)
    flash(_("The note is saved."), "success")
    return redirect(url_for(".patient", patient_id=patient.id) + "#notes")


@patient_page(bp, "/patients/<int:patient_id>/step", Role.THERAPIST, methods=["POST"])
def change_step(patient_id: int):
    patient = _patient_to_act_on(patient_id)
    form = StepChangeForm()
    if not form.validate_on_submit():
        return _shown_again(patient, step_form=form)
    reason = form.reason.data.strip()
    if form.action.data == "discharge":
        operations.discharge(patient, by=current_user, reason=reason,
                             end_reason=form.end_reason.data)
        flash(_("The patient is discharged."), "success")
        return redirect(url_for(".patient", patient_id=patient.id))
    step = int(form.action.data)
    operations.set_step(patient, step, by=current_user, reason=reason,
                        therapist=current_user if step in (2, 3) else None)
    flash(_("The patient is now in step %(step)s.", step=step), "success")
    if step == 4:
        return redirect(url_for(".referral", patient_id=patient.id))
    return redirect(url_for(".patient", patient_id=patient.id))


@bp.route("/clinical-alerts/<int:alert_id>/acknowledge", methods=["POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
def acknowledge_alert(alert_id: int):
    alert = get_record_for_user(ClinicalAlert, alert_id, resource_type="clinical_alert",
                                action=Action.UPDATE)
    require_confirm()
    if alert.acknowledged_at is None:
        clinical_alerts.acknowledge(alert, current_user)
        flash(_("The alert is acknowledged."), "success")
    return redirect(url_for(".patient", patient_id=alert.patient_id))


@patient_page(bp, "/patients/<int:patient_id>/referral", Role.THERAPIST, methods=["GET", "POST"])
def referral(patient_id: int):
    """A printable referral letter for step 4, recorded as a disclosure."""
    patient = _patient_to_act_on(patient_id)
    form = ReferralForm()
    summary = facts_for(current_user, [patient.id])[patient.id]
    if form.validate_on_submit():
        letter = operations.record_disclosure(
            patient, by=current_user, kind="referral_letter", recipient=form.recipient.data,
            purpose=form.reason.data,
            what=_("Referral letter: name, date of birth, questionnaire scores, treatment "
                   "so far and the reason for referral"))
        written = ReferralLetter(letter_id=letter.id, patient=patient, author=current_user,
                                 recipient=letter.recipient, reason=letter.purpose)
        return render_template("caseload/referral_letter.html", patient=patient, form=form,
                               summary=summary, contacts=operations.contact_count(patient),
                               steps=operations.step_history(patient), today=utcnow(),
                               panels=sorted_panels(referral_letter_panels, written))
    return render_template("caseload/referral_form.html", patient=patient, form=form)


# --- administration -----------------------------------------------------------------------


def _therapists() -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.role == Role.THERAPIST, User.disabled_at.is_(None))
            .order_by(User.name)
        ).scalars()
    )


@patient_page(bp, "/admin/patients", Role.ADMIN)
def admin_patients():
    rows = db.session.execute(
        db.select(User, CareAssignment)
        .outerjoin(
            CareAssignment,
            (CareAssignment.patient_id == User.id) & CareAssignment.ended_at.is_(None),
        )
        .where(User.role == Role.PATIENT)
        .order_by(CareAssignment.id.is_not(None), User.created_at)
    ).all()
    sizes = dict(
        db.session.execute(
            db.select(CareAssignment.therapist_id, func.count())
            .where(CareAssignment.ended_at.is_(None))
            .group_by(CareAssignment.therapist_id)
        ).all()
    )
    therapists = {t.id: t for t in _therapists()}
    record_many(Action.READ, "patient_list_row", [(p.id, p.id) for p, _a in rows])
    return render_template(
        "caseload/admin_patients.html",
        rows=rows,
        therapists=therapists,
        sizes=sizes,
        form=ConfirmForm(),
        now=utcnow(),
        content_problems=content.problems(),
    )


@patient_page(bp, "/admin/patients/<int:patient_id>/assign", Role.ADMIN, methods=["GET", "POST"])
def assign(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="care_assignment")
    therapists = _therapists()
    form = AssignForm()
    form.therapist_id.choices = [SelectChoice(t.id, t.name) for t in therapists]
    current = operations.current_assignment(patient)
    if not form.is_submitted() and current is not None:
        form.therapist_id.data = current.therapist_id
    if form.validate_on_submit():
        therapist = db.session.get(User, form.therapist_id.data)
        if therapist is None:
            abort(400)
        operations.assign(patient, therapist, by=current_user)
        flash(
            _("The patient is now on the chosen therapist's caseload."),
            "success",
        )
        return redirect(url_for(".admin_patients"))
    return render_template(
        "caseload/assign.html", patient=patient, form=form, current=current
    )
