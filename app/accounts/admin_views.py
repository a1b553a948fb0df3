"""The admin's management of staff accounts, on the accounts blueprint.

Its routes join ``app.accounts.views.bp`` when this module is imported (``create_app``
does), so their endpoints stay ``accounts.admin_*``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import forms, operations
from app.accounts.models import Role, User
from app.accounts.views import bp
from app.db import db
from app.security import roles_required

# --- administration of clinicians ------------------------------------------------------------


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def admin_users():
    users = db.session.execute(
        db.select(User).where(User.role != Role.PATIENT).order_by(User.role, User.name)
    ).scalars()
    return render_template("accounts/admin_users.html", users=users, form=forms.ConfirmForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_new_user():
    form = forms.CreateClinicianForm()
    if form.validate_on_submit():
        try:
            operations.create_user(
                email=form.email.data,
                password=form.password.data,
                role=Role(form.role.data),
                name=form.name.data,
                language=form.language.data,
            )
        except operations.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            flash(
                _("The account is created. They can now sign in and set up two-step login."),
                "success",
            )
            return redirect(url_for(".admin_users"))
    return render_template("accounts/admin_user_new.html", form=form)


def _managed_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.id == current_user.id:
        abort(404)
    return user


def _confirmed(user_id: int, change: Callable[[User], object], done: str):
    """A confirmed one-step change to a managed account, then back to the list."""
    user = _managed_user(user_id)
    forms.require_confirm()
    change(user)
    flash(done, "success")
    return redirect(_back_to_list(user))


@bp.route("/admin/users/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_disable_user(user_id: int):
    return _confirmed(user_id, operations.disable,
                      _("The account is disabled and signed out everywhere."))


@bp.route("/admin/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_enable_user(user_id: int):
    return _confirmed(user_id, operations.enable, _("The account can sign in again."))


@bp.route("/admin/users/<int:user_id>/duty", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_toggle_duty(user_id: int):
    """Duty therapists triage unassigned patients' screenings and risk alerts."""
    user = _managed_user(user_id)
    if not user.is_therapist:
        abort(404)
    forms.require_confirm()
    user.on_duty = not user.on_duty
    message = (_("The therapist is now on duty.") if user.on_duty
               else _("The therapist is no longer on duty."))
    flash(message, "success")
    return redirect(url_for(".admin_users"))


def _back_to_list(user: User) -> str:
    return url_for("caseload.admin_patients") if user.is_patient else url_for(".admin_users")
