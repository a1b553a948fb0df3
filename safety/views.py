"""Safety-plan pages: the patient's own (/safety-plan) and the therapist's, under the record.

Everyone else gets 404: the patient pages are the signed-in patient's, the record pages
are scoped like the record (``get_patient_for_user``), and only a therapist who may see
the patient drafts or edits the plan.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import Role, User
from app.audit.models import Action
from app.caseload.loaders import get_patient_for_user
from app.security import patient_page
from safety import operations
from safety.forms import AddItemForm, PlanForm
from safety.models import SafetyPlanVersion
from safety.sections import SECTIONS, crisis_line_items

bp = Blueprint("safety", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/safety")


def _page(template: str, patient: User, version: SafetyPlanVersion | None, **extra):
    return render_template(template, patient=patient, version=version, sections=SECTIONS,
                           **extra)


# --- the patient's own plan -----------------------------------------------------------------


@patient_page(bp, "/safety-plan", Role.PATIENT)
def mine():
    version = operations.read_current(current_user.id)
    return _page("safety/mine.html", current_user, version,
                 form=AddItemForm(formdata=None))


@patient_page(bp, "/safety-plan/add", Role.PATIENT, methods=["POST"])
def add():
    plan = operations.plan_for(current_user.id)
    if plan is None:
        flash(_("You do not have a safety plan yet."), "info")
        return redirect(url_for(".mine"))
    form = AddItemForm()
    if not form.validate_on_submit():
        version = operations.read_current(current_user.id)
        return _page("safety/mine.html", current_user, version, form=form), 422
    try:
        operations.add_item(current_user, form.section.data, form.item.data, by=current_user)
    except operations.PlanFull:
        form.item.errors.append(_("This part of your plan is full. Talk to your therapist "
                                  "about what to keep."))
        version = operations.read_current(current_user.id)
        return _page("safety/mine.html", current_user, version, form=form), 422
    flash(_("It is added to your safety plan. Your therapist can see it."), "success")
    return redirect(url_for(".mine"))


@patient_page(bp, "/safety-plan/print", Role.PATIENT)
def print_mine():
    version = operations.read_current(current_user.id)
    if version is None:
        return redirect(url_for(".mine"))
    return _page("safety/print.html", current_user, version)


# --- the therapist's pages under the patient record ----------------------------------------


def _back_to_plan(patient: User):
    return redirect(url_for(".plan", patient_id=patient.id))


def _may_edit(patient: User) -> bool:
    # Loaded through the scoped loader first, so "in scope" is already settled.
    return current_user.is_therapist


@patient_page(bp, "/patients/<int:patient_id>/safety-plan", Role.THERAPIST, Role.ADMIN)
def plan(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="safety_plan")
    version = operations.read_current(patient.id)
    return _page("safety/plan.html", patient, version, may_edit=_may_edit(patient))


@patient_page(bp, "/patients/<int:patient_id>/safety-plan/edit", Role.THERAPIST,
              methods=["GET", "POST"])
def edit(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="safety_plan",
                                   action=Action.UPDATE)
    if not _may_edit(patient):
        abort(404)
    version = operations.read_current(patient.id)
    form = PlanForm()
    if not form.is_submitted():
        _fill(form, version)
    elif form.validate():
        try:
            operations.save_version(patient, form.section_items(), by=current_user,
                                    note=form.change_note.data)
        except operations.NothingChanged:
            flash(_("Nothing was changed, so no new version was saved."), "info")
        else:
            flash(_("The safety plan is saved as a new version."), "success")
        return _back_to_plan(patient)
    status = 422 if form.is_submitted() else 200
    return _page("safety/edit.html", patient, version, form=form), status


def _fill(form: PlanForm, version: SafetyPlanVersion | None) -> None:
    """A new plan starts with the region's crisis lines; an existing one with its text."""
    if version is None:
        region = current_app.config["CRISIS_REGION"]
        form.professionals.data = "\n".join(crisis_line_items(region))
        return
    for section, field in form.sections():
        field.data = "\n".join(version.items(section.id))


@patient_page(bp, "/patients/<int:patient_id>/safety-plan/history", Role.THERAPIST, Role.ADMIN)
def history(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="safety_plan")
    plan = operations.plan_for(patient.id)
    if plan is None:
        return _back_to_plan(patient)
    return render_template("safety/history.html", patient=patient, sections=SECTIONS,
                           versions=operations.history(plan))


@patient_page(bp, "/patients/<int:patient_id>/safety-plan/print", Role.THERAPIST, Role.ADMIN)
def print_plan(patient_id: int):
    patient = get_patient_for_user(patient_id, resource_type="safety_plan")
    version = operations.read_current(patient.id)
    if version is None:
        return _back_to_plan(patient)
    return _page("safety/print.html", patient, version)
