from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import selectinload

from app import crisis, dates
from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.caseload.loaders import current_therapist_id, get_record_for_user
from app.content import markdown
from app.db import db, utcnow
from app.openapi import FORM, operation
from app.security import patient_data, roles_required
from programmes import catalogue, charts, operations, vr, vr_care
from programmes.content import split_body
from programmes.diary import clinic_today, mood_entries, save_mood
from programmes.exercises import READERS, BadAnswer, is_blank, parse_answer
from programmes.forms import FeedbackForm, MoodForm
from programmes.models import Enrolment, HomeworkSubmission, ModuleRecord

bp = Blueprint("programmes", __name__, template_folder="templates", static_folder="static",
               static_url_path="/programmes/static")


def language() -> str:
    return str(get_locale())


# --- scoped loaders for the patient's own programmes ---------------------------------------


def _own_enrolment(slug: str) -> Enrolment:
    for enrolment in operations.active_enrolments(current_user):
        if enrolment.programme.slug == slug:
            return enrolment
    abort(404)


def _own_open_module(slug: str, module_slug: str) -> tuple[Enrolment, ModuleRecord]:
    """A module of the patient's programme, only once it is open to them."""
    enrolment = _own_enrolment(slug)
    for module in operations.open_modules(enrolment):
        if module.slug == module_slug:
            return enrolment, module
    abort(404)


# --- the patient's programmes ----------------------------------------------------------------


@bp.route("/programmes")
@roles_required(Role.PATIENT)
@patient_data
def index():
    enrolments = operations.active_enrolments(current_user)
    return render_template(
        "programmes/index.html",
        enrolments=[(e, operations.progress_fraction(e), operations.next_module(e))
                    for e in enrolments],
        suggestions=catalogue.suggestions_for(current_user, enrolments),
        lang=language(),
    )


@bp.route("/programmes/<slug>")
@roles_required(Role.PATIENT)
@patient_data
def programme(slug: str):
    enrolment = _own_enrolment(slug)
    record(Action.READ, "enrolment", enrolment.id, patient_id=current_user.id)
    open_ids = {m.id for m in operations.open_modules(enrolment)}
    return render_template(
        "programmes/programme.html",
        enrolment=enrolment,
        modules=catalogue.ordered_modules(current_user, enrolment),
        open_ids=open_ids,
        done_ids=operations.completed_ids(enrolment),
        progress=operations.progress_fraction(enrolment),
        next_unlock=operations.next_unlock(enrolment),
        order=catalogue.module_order(current_user, enrolment),
        lang=language(),
    )


@bp.route("/programmes/<slug>/<module_slug>")
@roles_required(Role.PATIENT)
@patient_data
def module(slug: str, module_slug: str):
    enrolment, module = _own_open_module(slug, module_slug)
    # A view event, safe on GET: "first opened" is set once (tests/test_get_writes.py).
    operations.mark_opened(enrolment, module)
    answers = operations.answers_for(current_user, module)
    record(Action.READ, "module", module.id, patient_id=current_user.id)
    parsed = operations.as_content_module(module, language())
    sent = {s.answer_id: s for s in operations.submissions_for(current_user)}
    vr_context = _vr_context(module, parsed)
    return render_template(
        "programmes/module.html",
        enrolment=enrolment,
        module=module,
        parsed=parsed,
        segments=_without_repeated_title(split_body(parsed)),
        answers=answers,
        sent=sent,
        done=module.id in operations.completed_ids(enrolment),
        form=ConfirmForm(),
        render_markdown=markdown.render,
        guided=enrolment.programme.step == operations.GUIDED_STEP,
        **vr_context,
    )


def _vr_context(module: ModuleRecord, parsed) -> dict:
    """A module with VR scenes: the therapist's assigned scenes and feedback, by block."""
    if not any(b.type == "vr_exposure" for b in parsed.blocks):
        return {"vr_assigned": {}, "vr_feedback": {}}
    feedback = vr_care.feedback_for(current_user, module.id)
    # A view event, safe on GET: feedback shown is marked read once (tests/test_get_writes.py).
    operations.mark_feedback_read(feedback)
    by_block: dict[str, list] = {}
    for session in feedback:
        by_block.setdefault(session.block_id, []).append(session)
    return {"vr_assigned": vr_care.assignments_for(current_user), "vr_feedback": by_block,
            "scene_name": vr.scene_name}


def _without_repeated_title(segments: list) -> list:
    """The page prints the module's title as its heading; drop a leading '# Title' line."""
    if segments and segments[0][0] == "markdown" and segments[0][1].startswith("# "):
        rest = segments[0][1].split("\n", 1)[1] if "\n" in segments[0][1] else ""
        return ([("markdown", rest)] if rest.strip() else []) + segments[1:]
    return segments


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _save_reply(message: str, status: int, back: str):
    if _wants_json():
        # Risk language in an autosaved answer: the page shows crisis help at once.
        return jsonify(message=message, crisis=crisis.take_offer()), status
    flash(message, "success" if status < 400 else "error")
    return redirect(back)


class AnswerForm(BaseModel):
    """The block's fields as its form posts them (their names depend on the block)."""

    model_config = ConfigDict(extra="allow")
    csrf_token: str | None = None


class SaveReply(BaseModel):
    """Autosave's answer when it asks for JSON; ``crisis``: show the crisis help now."""

    message: str
    crisis: bool


@bp.route("/programmes/<slug>/<module_slug>/answers/<block_id>", methods=["POST"])
@operation("Autosave an answer (a form; answers JSON when the request accepts only JSON).",
           body=AnswerForm, body_type=FORM,
           responses={200: (SaveReply, "Saved."),
                      302: (None, "Saved or refused, for a plain form post: back to the block."),
                      413: (None, "Larger than any form Stepcare accepts."),
                      422: (SaveReply, "Too long: not saved, the last version stays.")})
@roles_required(Role.PATIENT)
def save_answer(slug: str, module_slug: str, block_id: str):
    """Autosave (JSON, every few seconds and on leaving a field) and the plain Save button."""
    _enrolment, module = _own_open_module(slug, module_slug)
    block = operations.block_of(module, block_id, language())
    if block is None or block.type not in READERS:  # a VR block keeps no answer
        abort(404)
    require_confirm()
    back = url_for(".module", slug=slug, module_slug=module_slug) + f"#block-{block.id}"
    try:
        parsed = parse_answer(block, request.form)
    except BadAnswer:
        abort(400)
    if not parsed.ok:
        # 422 leaves the request uncommitted: the last good version stays saved, and the
        # patient's draft stays in the page for them to shorten.
        limit = block.fields.get("max_length") or 4000
        return _save_reply(
            _("This answer is longer than %(n)s characters, so it was not saved. Shorten it "
              "and it will be saved again.", n=limit), 422, back)
    operations.save_answer(current_user, module, block, parsed.data)
    saved_at = dates.text(utcnow(), "time")
    return _save_reply(_("Saved at %(time)s", time=saved_at), 200, back)


@bp.route("/programmes/<slug>/<module_slug>/answers/<block_id>/send", methods=["POST"])
@roles_required(Role.PATIENT)
def send_homework(slug: str, module_slug: str, block_id: str):
    enrolment, module = _own_open_module(slug, module_slug)
    block = operations.block_of(module, block_id, language())
    if block is None or block.type != "homework" or not ConfirmForm().validate_on_submit():
        abort(404 if block is None or block.type != "homework" else 400)
    back = url_for(".module", slug=slug, module_slug=module_slug) + f"#block-{block.id}"
    answer = operations.answers_for(current_user, module).get(block.id)
    if answer is None or is_blank(answer.data):
        flash(_("Write your homework first, then send it."), "error")
        return redirect(back)
    therapist_id = enrolment.therapist_id or current_therapist_id(current_user.id)
    operations.submit_homework(current_user, module, answer, therapist_id)
    flash(_("Sent to your therapist. You will see their feedback here."), "success")
    return redirect(back)


@bp.route("/programmes/<slug>/<module_slug>/complete", methods=["POST"])
@roles_required(Role.PATIENT)
def complete(slug: str, module_slug: str):
    enrolment, module = _own_open_module(slug, module_slug)
    require_confirm()
    operations.complete_module(enrolment, module)
    flash(_("Well done. The module is marked as done."), "success")
    following = operations.next_module(enrolment)
    if following is not None:
        return redirect(url_for(".module", slug=slug, module_slug=following.slug))
    return redirect(url_for(".programme", slug=slug))


@bp.route("/exercises")
@roles_required(Role.PATIENT)
@patient_data
def exercises():
    """The patient's own exercises and homework, with their therapist's feedback."""
    from programmes.models import ExerciseAnswer

    answers = db.session.execute(
        db.select(ExerciseAnswer)
        .options(selectinload(ExerciseAnswer.module).selectinload(ModuleRecord.programme))
        .where(ExerciseAnswer.patient_id == current_user.id)
        .order_by(ExerciseAnswer.updated_at.desc())
    ).scalars().all()
    submissions = operations.submissions_for(current_user)
    record(Action.READ, "exercise_history", current_user.id, patient_id=current_user.id)
    # A view event, safe on GET: feedback shown is marked read once (tests/test_get_writes.py).
    operations.mark_feedback_read(submissions)
    vr_feedback = vr_care.feedback_for(current_user)
    operations.mark_feedback_read(vr_feedback)
    return render_template("programmes/exercises.html",
                           answers=[a for a in answers if not is_blank(a.data)],
                           submissions=submissions, lang=language(), feedback=vr_feedback,
                           scene_name=vr.scene_name)


# --- the mood diary ----------------------------------------------------------------------------


@bp.route("/diary", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@patient_data
def diary():
    form = MoodForm()
    today = clinic_today()
    if not form.is_submitted():
        form.day.data = today
    if form.validate_on_submit():
        if form.day.data > today or form.day.data < today - timedelta(days=30):
            form.day.errors.append(_("Choose a day within the last 30 days."))
        else:
            save_mood(current_user, form.day.data, form.mood.data,
                                 (form.note.data or "").strip() or None)
            flash(_("Your diary is saved."), "success")
            return redirect(url_for(".diary"))
    entries = mood_entries(current_user)
    record(Action.READ, "mood_diary", current_user.id, patient_id=current_user.id)
    return render_template("programmes/diary.html", form=form, entries=entries,
                           chart=charts.mood_chart(entries, today))


# --- the therapist's side --------------------------------------------------------------------


@bp.route("/homework")
@roles_required(Role.THERAPIST)
@patient_data
def homework_queue():
    waiting = operations.homework_awaiting(current_user)
    record_many(Action.READ, "homework_row", [(s.id, s.patient_id) for s in waiting])
    return render_template("programmes/homework_queue.html", waiting=waiting, lang=language())


@bp.route("/homework/<int:submission_id>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def homework(submission_id: int):
    submission = get_record_for_user(HomeworkSubmission, submission_id, resource_type="homework")
    form = FeedbackForm(obj=submission if not request.form else None)
    if current_user.is_therapist and form.validate_on_submit():
        operations.give_feedback(submission, by=current_user, text=form.feedback.data)
        flash(_("Your feedback is sent to the patient."), "success")
        return redirect(url_for(".homework_queue"))
    block = operations.block_of(submission.module, _answer_block(submission),
                                submission.patient.language)
    return render_template("programmes/homework.html", submission=submission, form=form,
                           block=block, lang=language())


def _answer_block(submission: HomeworkSubmission) -> str:
    from programmes.models import ExerciseAnswer

    return db.session.get(ExerciseAnswer, submission.answer_id).block_id


@bp.route("/enrolments/<int:enrolment_id>/modules/<int:module_id>/unlock", methods=["POST"])
@roles_required(Role.THERAPIST)
def unlock(enrolment_id: int, module_id: int):
    enrolment = get_record_for_user(Enrolment, enrolment_id, resource_type="enrolment",
                                    action=Action.UPDATE)
    module = db.session.get(ModuleRecord, module_id)
    if module is None or module.programme_id != enrolment.programme_id:
        abort(404)
    require_confirm()
    operations.unlock_module(enrolment, module, current_user)
    flash(_("The module is open for the patient."), "success")
    return redirect(url_for("caseload.patient", patient_id=enrolment.patient_id))
