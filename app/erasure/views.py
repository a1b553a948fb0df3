"""The patient's request for erasure, and the admins' page of requests."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.accounts import sessions
from app.accounts.forms import ConfirmForm, require_confirm
from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.db import db
from app.erasure import operations, purge
from app.erasure.models import ErasureRequest, ErasureStatus
from app.security import roles_required

bp = Blueprint("erasure", __name__)


@bp.route("/account/erasure", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@sessions.reauthentication_required
def ask():
    """Ask for erasure, after the password again (accounts.reauthenticate)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            operations.request_erasure(user)
        except operations.AlreadyRequested:
            flash(_("You have already asked for erasure. We are handling it."), "info")
            return redirect(url_for("accounts.account"))
        sessions.clear_for_new_login()
        logout_user()
        flash(_("We have your request for erasure. You are signed out on every device, and "
                "this account can no longer sign in."), "success")
        return redirect(url_for("accounts.login"))
    record(Action.READ, "erasure_request", None, patient_id=current_user.id)
    return render_template("erasure/ask.html", form=form,
                           years=current_app.config["RETENTION_YEARS"])


@bp.route("/admin/erasure-requests")
@roles_required(Role.ADMIN)
def admin_requests():
    found = db.session.execute(
        db.select(ErasureRequest).order_by(ErasureRequest.requested_at.desc(),
                                           ErasureRequest.id.desc())
    ).scalars().all()
    rows = [(r, operations.purgeable_from(r.user) if r.status == ErasureStatus.PENDING
             else None) for r in found]
    record_many(Action.READ, "erasure_request_row", [(r.id, r.user_id) for r in found])
    return render_template("erasure/admin_requests.html", rows=rows, form=ConfirmForm(),
                           years=current_app.config["RETENTION_YEARS"])


@bp.route("/admin/erasure-requests/<int:request_id>/anonymise", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_anonymise(request_id: int):
    found = db.session.get(ErasureRequest, request_id)
    if found is None:
        abort(404)
    require_confirm()
    try:
        operations.anonymise_now(found, current_user._get_current_object())
    except operations.HasClinicalEntries:
        flash(_("This record holds clinical entries, so it must be kept until its retention "
                "period ends. It will be purged then."), "error")
    except operations.AlreadyRequested:
        flash(_("This request has already been handled."), "info")
    else:
        flash(_("The account is anonymised. Nothing personal is left in it."), "success")
    return redirect(url_for(".admin_requests"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    purge.init_app(app)
