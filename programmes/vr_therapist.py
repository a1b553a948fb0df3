"""The therapist's VR exposure pages: assign scenes with a starting level, and give
feedback on a finished session. Only the patient's own therapist writes (as everywhere a
therapist changes care); anyone out of scope gets 404, and every load is audited."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Role, User
from app.audit.models import Action
from app.caseload.loaders import current_therapist_id, get_patient_for_user, get_record_for_user
from app.security import patient_page
from programmes import vr, vr_care
from programmes.forms import FeedbackForm, VrAssignForm
from programmes.models import VrSession
from programmes.views import bp


def _own_patient(patient_id: int, action: Action) -> User:
    """The patient, for their own therapist only: anyone else gets 404 (audited)."""
    patient = get_patient_for_user(patient_id, action=action)
    if current_therapist_id(patient.id) != current_user.id:
        abort(404)
    return patient


def _record_url(patient_id: int) -> str:
    return url_for("caseload.patient", patient_id=patient_id) + "#vr"


def assign_form(patient: User, formdata=None, scenes: dict[str, int] | None = None
                ) -> VrAssignForm:
    """The form with the patient's scenes as its choices (the record panel shows it too,
    with the scenes it has already read)."""
    form = VrAssignForm(formdata=formdata)
    if scenes is None:
        scenes = vr_care.available_scenes(patient)
    form.scene.choices = [SelectChoice(scene, vr.scene_name(scene).capitalize())
                          for scene in scenes]
    return form


def _check(form: VrAssignForm, scenes: dict[str, int]) -> bool:
    """Validate the form against the patient's scenes; clear messages on each field."""
    valid = form.validate()
    if form.start_level.errors:  # "abc", "1.5": WTForms' own wording replaced
        form.start_level.errors = [_("Write a starting level as a number.")]
    levels = scenes.get(form.scene.data or "")
    if form.scene.data and levels is None:
        form.scene.errors = [_("Choose one of the scenes in the patient's programme.")]
        return False
    if valid and levels is not None and not 1 <= form.start_level.data <= levels:
        form.start_level.errors = [_("Choose a level from 1 to %(n)s.", n=levels)]
        return False
    return valid


@patient_page(bp, "/patients/<int:patient_id>/vr", Role.THERAPIST, methods=["GET", "POST"])
def vr_assign(patient_id: int):
    patient = _own_patient(patient_id, Action.UPDATE if request.method == "POST"
                           else Action.READ)
    scenes = vr_care.available_scenes(patient)
    form = assign_form(patient, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and _check(form, scenes):
        vr_care.assign(patient, form.scene.data, form.start_level.data, by=current_user)
        flash(_("The %(scene)s scene is assigned, starting at level %(n)s.",
                scene=vr.scene_name(form.scene.data), n=form.start_level.data), "success")
        return redirect(_record_url(patient.id))
    html = render_template("programmes/vr_assign.html", patient=patient, form=form,
                           scenes=scenes, assignments=vr_care.assignments_for(patient),
                           scene_name=vr.scene_name, confirm=ConfirmForm())
    return (html, 422) if form.errors else html


@patient_page(bp, "/patients/<int:patient_id>/vr/<scene>/remove", Role.THERAPIST,
              methods=["POST"])
def vr_unassign(patient_id: int, scene: str):
    patient = _own_patient(patient_id, Action.UPDATE)
    if scene not in vr_care.SCENES:
        abort(404)
    require_confirm()
    if vr_care.unassign(patient, scene):
        flash(_("The %(scene)s scene is no longer assigned.", scene=vr.scene_name(scene)),
              "success")
    return redirect(_record_url(patient.id))


@patient_page(bp, "/vr/sessions/<int:session_id>", Role.THERAPIST, Role.ADMIN,
              methods=["GET", "POST"])
def vr_feedback(session_id: int):
    """A session's curve and table, and the therapist's feedback on it (admins read)."""
    writing = request.method == "POST"
    session = get_record_for_user(VrSession, session_id, resource_type="vr_session",
                                  action=Action.UPDATE if writing else Action.READ)
    own = current_user.is_therapist and current_therapist_id(session.patient_id) == current_user.id
    form = FeedbackForm(obj=session if not request.form else None)
    if writing and not own:
        abort(404)  # admins and duty staff read; only the patient's therapist writes
    if writing and form.validate_on_submit():
        if session.ended_at is None:
            form.feedback.errors = [_("The patient has not finished this session yet. "
                                      "Give feedback once it has ended.")]
        else:
            vr_care.give_feedback(session, by=current_user, text=form.feedback.data)
            flash(_("Your feedback is sent to the patient."), "success")
            return redirect(_record_url(session.patient_id))
    patient = session.patient
    title = _("%(name)s's anxiety (SUDS 0-100) in the %(scene)s scene",
              name=patient.name, scene=vr.scene_name(session.scene))
    html = render_template(
        "programmes/vr_feedback.html", session=session, patient=patient, form=form,
        may_write=own, chart=vr.suds_chart(session, title) if session.ratings else None,
        levels=vr.level_count(session), label=vr.rating_label, scene_name=vr.scene_name)
    return (html, 422) if form.errors else html
