from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import notify
from app.accounts.contact import crisis_page
from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.caseload.loaders import get_record_for_user
from app.caseload.operations import current_assignment, current_step
from app.db import db, utcnow
from app.security import patient_data, roles_required
from screening import operations, typed, urgency
from screening.answers import TamperedAnswer, parse_page
from screening.forms import ReviewForm, step_choices
from screening.models import QuestionnaireResponse, RiskAlert, Screening, ScreeningStatus
from screening.steps import SCORE_SENTENCES, STEP_NAMES, STEP_NEXT

bp = Blueprint("screening", __name__, template_folder="templates")


def language() -> str:
    return str(get_locale())


# --- scoped loaders --------------------------------------------------------------------------


def _own_in_progress() -> Screening:
    screening = operations.in_progress_for(current_user)
    if screening is None:
        abort(404)
    return screening


# --- the patient's screening -----------------------------------------------------------------


@bp.route("/screening")
@roles_required(Role.PATIENT)
@patient_data
def index():
    in_progress = operations.in_progress_for(current_user)
    if in_progress is None and operations.latest_submitted_for(current_user) is not None:
        return redirect(url_for(".result"))
    pages = [operations.instrument(p) for p in operations.page_ids()]
    return render_template("screening/start.html", screening=in_progress, pages=pages,
                           form=ConfirmForm())


@bp.route("/screening/start", methods=["POST"])
@roles_required(Role.PATIENT)
def start():
    require_confirm()
    screening = operations.start(current_user)
    return redirect(_page_url(screening))


def _page_url(screening: Screening) -> str:
    page = operations.next_page(screening)
    if page is None:
        return url_for(".confirm")
    return url_for(".page", page_id=page)


@bp.route("/screening/questions/<page_id>", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@patient_data
def page(page_id: str):
    pages = operations.page_ids()
    if page_id not in pages:
        abort(404)
    screening = _own_in_progress()
    furthest = operations.next_page(screening)
    if furthest is not None and pages.index(page_id) > pages.index(furthest):
        return redirect(url_for(".page", page_id=furthest))  # no skipping ahead
    instrument = operations.instrument(page_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            parsed = parse_page(instrument, request.form)
        except TamperedAnswer:
            abort(400)
        if parsed.complete:
            operations.save_page(screening, page_id, parsed.answers)
            typed.forget(screening, page_id)
            return redirect(_page_url(screening))
        # Post/Redirect/Get: Back never asks to resend; the page shows what was typed.
        typed.keep(screening, page_id,
                   {item.id: request.form.get(item.id, "") for item in instrument.items})
        return redirect(url_for(".page", page_id=page_id), code=303)
    if form.is_submitted():
        abort(400)
    values, page_errors = _shown_answers(screening, instrument)
    return render_template(
        "screening/page.html",
        instrument=instrument,
        form=form,
        values=values,
        page_errors=page_errors,
        number=pages.index(page_id) + 1,
        total=len(pages),
        previous=pages[pages.index(page_id) - 1] if pages.index(page_id) else None,
        show_crisis=_has_risk(screening),
        lang=language(),
    )


def _shown_answers(screening: Screening, instrument) -> tuple[dict, dict]:
    """The page's values and errors: what was typed and not saved yet, else the draft."""
    raw = typed.kept(screening, instrument.id)
    if raw is None:
        return screening.drafts.get(instrument.id, {}), {}
    try:
        parsed = parse_page(instrument, raw)
    except TamperedAnswer:  # the questionnaire changed since: its options no longer fit
        return screening.drafts.get(instrument.id, {}), {}
    values = {**parsed.answers, **{k: raw.get(k, "") for k in parsed.too_long}}
    errors = {item: _("Please answer this question.") for item in parsed.missing}
    errors |= {item: _("This answer is too long. Please shorten it.") for item in parsed.too_long}
    return values, errors


def _has_risk(screening: Screening) -> bool:
    return db.session.execute(
        db.select(db.func.count()).select_from(RiskAlert)
        .where(RiskAlert.screening_id == screening.id)
    ).scalar_one() > 0


@bp.route("/screening/confirm")
@roles_required(Role.PATIENT)
@patient_data
def confirm():
    screening = operations.in_progress_for(current_user)
    if screening is None:
        # Back after "Send my answers": say they were sent instead of a dead end.
        if operations.latest_submitted_for(current_user) is None:
            return redirect(url_for(".index"))
        return render_template("screening/sent.html")
    if operations.next_page(screening) is not None:
        return redirect(_page_url(screening))
    pages = [operations.instrument(p) for p in operations.page_ids()]
    return render_template("screening/confirm.html", pages=pages, form=ConfirmForm(),
                           show_crisis=_has_risk(screening), lang=language())


@bp.route("/screening/submit", methods=["POST"])
@roles_required(Role.PATIENT)
def submit():
    require_confirm()
    screening = operations.in_progress_for(current_user)
    if screening is None:
        # A second click on "Send": the first one was stored.
        if operations.latest_submitted_for(current_user) is not None:
            return redirect(url_for(".result"))
        abort(404)
    if operations.next_page(screening) is not None:
        return redirect(_page_url(screening))
    try:
        operations.submit(screening)
    except operations.AlreadySubmitted:
        db.session.rollback()
    return redirect(url_for(".result"))


@bp.route("/screening/result")
@roles_required(Role.PATIENT)
@patient_data
def result():
    screening = operations.latest_submitted_for(current_user)
    if screening is None:
        return redirect(url_for(".index"))
    record(Action.READ, "screening", screening.id, patient_id=current_user.id)
    return render_template("screening/result.html", **_result_context(screening))


def _result_context(screening: Screening) -> dict:
    responses = {r.instrument_id: r for r in screening.responses}
    recommendation = operations.recommendation_for(screening)
    return {
        "screening": screening,
        "scores": [
            (operations.instrument(i), responses[i]) for i in ("phq9", "gad7", "wsas")
            if i in responses
        ],
        "recommendation": recommendation,
        "reasons": [r.text(language()) for r in recommendation.deciding_reasons],
        "show_crisis": _has_risk(screening),
        "step_names": STEP_NAMES,
        "step_next": STEP_NEXT,
        "score_sentences": SCORE_SENTENCES,
        "lang": language(),
    }


# --- weekly re-measurement -------------------------------------------------------------------


@bp.route("/measures/weekly", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@patient_data
def weekly():
    if not operations.weekly_due(current_user):
        if operations.measures_ever_due(current_user):
            flash(_("Your weekly questionnaires are up to date. Thank you."), "info")
        else:
            flash(_("You have no weekly questionnaires. They start when your therapist-guided "
                    "programme or video treatment begins."), "info")
        return redirect(url_for("main.patient_home"))
    return measures_page(_store_weekly, heading=_("How has your week been?"),
                         lead=_("These questions are the same every week, so that you and "
                                "your therapist can see how things change."))


def measures_page(store, *, heading: str, lead: str):
    """PHQ-9 and GAD-7 on one page, for the weekly measures and the follow-up alike:
    ``store(answers, token)`` keeps complete answers and returns the response."""
    instruments = [operations.instrument(i) for i in operations.WEEKLY_INSTRUMENTS]
    form = ConfirmForm()
    values: dict = {i.id: {} for i in instruments}
    page_errors: dict = {}
    token = request.form.get("token") or operations.new_form_token()
    if not operations.is_form_token(token):
        abort(400)  # the page sends the token it was given; the database key holds no more
    if form.validate_on_submit():
        answers, complete = {}, True
        for instrument in instruments:
            try:
                parsed = parse_page(instrument, _prefixed(request.form, instrument.id))
            except TamperedAnswer:
                abort(400)
            answers[instrument.id] = values[instrument.id] = parsed.answers
            page_errors |= {f"{instrument.id}-{item}": _("Please answer this question.")
                            for item in parsed.missing}
            complete = complete and parsed.complete
        if complete:
            return store(answers, token)
    elif form.is_submitted():
        abort(400)
    return render_template("screening/weekly.html", instruments=instruments, form=form,
                           values=values, page_errors=page_errors, token=token, lang=language(),
                           heading=heading, lead=lead)


def _prefixed(form, prefix: str) -> dict[str, str]:
    start = f"{prefix}-"
    return {key[len(start):]: value for key, value in form.items() if key.startswith(start)}


def _store_weekly(answers: dict, token: str):
    try:
        responses = operations.record_weekly(current_user, answers, token)
    except operations.AlreadySubmitted:
        db.session.rollback()
        return redirect(url_for("main.patient_home"))
    if responses[0].has_risk:
        return redirect(url_for(".support"))
    flash(_("Thank you. Your answers are saved and your therapist can see them."), "success")
    return redirect(url_for("main.patient_home"))


@bp.route("/support")
@roles_required(Role.PATIENT)
@patient_data
@crisis_page
def support():
    """Crisis information, shown at once after a risky answer outside the screening.

    It says the patient reported such thoughts only when their latest PHQ-9 did (item 9
    answered 1 or more); anyone else who opens it gets the crisis help without that claim.
    """
    latest = operations.latest_phq9(current_user)
    if latest is not None:
        record(Action.READ, "questionnaire_response", latest.id, patient_id=current_user.id)
    return render_template("screening/support.html",
                           reported_thoughts=latest is not None and latest.has_risk)


# --- the therapist's review ------------------------------------------------------------------


@bp.route("/screening/reviews")
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def review_queue():
    queue = operations.review_queue(current_user)
    record_many(Action.READ, "screening_queue_row", [(s.id, s.patient_id) for s in queue])
    return render_template("screening/review_queue.html", queue=queue, now=utcnow(),
                           step_names=STEP_NAMES,
                           deadlines={s.id: urgency.review_deadline(s) for s in queue})


def _therapist_choices() -> list[SelectChoice]:
    therapists = db.session.execute(
        db.select(User).where(User.role == Role.THERAPIST, User.disabled_at.is_(None))
        .order_by(User.name)
    ).scalars()
    return [SelectChoice(t.id, t.name) for t in therapists]


@bp.route("/screening/reviews/<int:screening_id>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def review(screening_id: int):
    screening = get_record_for_user(
        Screening, screening_id, resource_type="screening",
        options=[selectinload(Screening.patient),
                 selectinload(Screening.responses).selectinload(QuestionnaireResponse.answers)])
    if screening.status == ScreeningStatus.IN_PROGRESS:
        abort(404)
    form = ReviewForm()
    form.step.choices = step_choices()
    form.therapist_id.choices = [SelectChoice(0, _("Choose a therapist")),
                                 *_therapist_choices()]
    assignment = current_assignment(screening.patient)
    if not form.is_submitted():
        form.step.data = screening.recommended_step
        form.therapist_id.data = (assignment.therapist_id if assignment else
                                  current_user.id if current_user.is_therapist else 0)
    pending = screening.status == ScreeningStatus.SUBMITTED
    if pending and form.validate_on_submit() and _review_is_complete(form, screening):
        operations.review(
            screening,
            step=form.step.data,
            by=current_user,
            reason=(form.reason.data or "").strip() or None,
            therapist=db.session.get(User, form.therapist_id.data)
            if form.step.data in (2, 3) else None,
        )
        flash(_("The step is confirmed and the patient is enrolled."), "success")
        return redirect(url_for(".review_queue"))
    return render_template(
        "screening/review.html",
        form=form,
        instruments={r.instrument_id: operations.instrument(r.instrument_id)
                     for r in screening.responses},
        current_step=current_step(screening.patient),
        review_deadline=urgency.review_deadline(screening) if pending else None,
        **_result_context(screening),
    )


def _review_is_complete(form: ReviewForm, screening: Screening) -> bool:
    ok = True
    if form.step.data != screening.recommended_step and not (form.reason.data or "").strip():
        form.reason.errors.append(
            _("Give a reason when you choose another step than the recommended one."))
        ok = False
    if form.step.data in (2, 3):
        therapist = db.session.get(User, form.therapist_id.data or 0)
        if therapist is None or not therapist.is_therapist or not therapist.is_active:
            form.therapist_id.errors.append(_("Steps 2 and 3 need a therapist."))
            ok = False
    return ok


# --- risk alerts -------------------------------------------------------------------------------

#: Where the words of a language alert were written, as the clinician reads it.
EXCERPT_SOURCES = {
    "intake": _l("intake"),
    "exercise": _l("exercise"),
    "diary": _l("diary"),
    "message": _l("message"),
}


@bp.route("/alerts")
@roles_required(Role.THERAPIST, Role.ADMIN)
@patient_data
def alerts():
    open_alerts = operations.open_alerts_for(current_user)
    record_many(Action.READ, "risk_alert_row", [(a.id, a.patient_id) for a in open_alerts])
    responsible = operations.current_therapists(sorted({a.patient_id for a in open_alerts}))
    undelivered = notify.undelivered_count() if current_user.is_admin else 0
    return render_template("screening/alerts.html", alerts=open_alerts, now=utcnow(),
                           excerpt_sources=EXCERPT_SOURCES, responsible=responsible,
                           undelivered=undelivered)
