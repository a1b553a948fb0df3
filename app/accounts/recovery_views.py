"""Forgotten passwords and email verification, on the accounts blueprint.

Its routes join ``app.accounts.views.bp`` when this module is imported (``create_app``
does), so their endpoints stay ``accounts.*``.

A link's token goes from the URL into the signed session cookie at once, and the browser
is sent on to a page without it: the token then never sits in the address bar, the
history or a Referer header while the form is open.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.accounts import forms, recovery, sessions
from app.accounts.guards import account, setting_limit
from app.accounts.models import AccountToken, Role
from app.accounts.views import bp, home_url
from app.extensions import limiter
from app.security import roles_required

# Where a link's token waits in the session while its form is open.
RESET_LINK_KEY = "reset_link"
VERIFY_LINK_KEY = "verify_link"


def link_problem(kind: str, problem: recovery.Problem | None):
    """A page that says why a link does not work, and how to get a new one."""
    return render_template("accounts/link_problem.html", kind=kind, problem=str(problem))


# --- password reset ------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(setting_limit("PASSWORD_RESET_LIMIT_PER_IP"), methods=["POST"],
               scope="reset-ip")
@limiter.limit(setting_limit("PASSWORD_RESET_LIMIT_PER_ACCOUNT"), key_func=account,
               methods=["POST"], scope="reset-account")
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_reset(form.email.data)
        # The same page whether or not the address has an account: it must not tell a
        # stranger who uses Stepcare.
        return render_template("accounts/forgot_password_sent.html")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>")
def reset_link(token: str):
    return recovery.keep_link(RESET_LINK_KEY, token, ".reset_password")


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(setting_limit("PASSWORD_RESET_LIMIT_PER_IP"), methods=["POST"],
               scope="reset-use-ip")
def reset_password():
    row, problem = recovery.check(session.get(RESET_LINK_KEY), recovery.RESET)
    if row is None:
        return link_problem(recovery.RESET, problem)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        if not recovery.reset_password(row, form.password.data):
            return link_problem(recovery.RESET, recovery.Problem.USED)
        if current_user.is_authenticated:
            logout_user()  # its session row has just ended with the others
        sessions.clear_for_new_login()
        # Not signed in: a clinician still gives the second factor at the next sign-in.
        flash(_("Your password is changed, and you are signed out everywhere. Sign in with "
                "your new password."), "success")
        return redirect(url_for(".login"))
    page = make_response(render_template("accounts/reset_password.html", form=form,
                                         email=row.user.email))
    page.headers["Cache-Control"] = "no-store"  # it names the account
    return page


# --- email verification --------------------------------------------------------------------


@bp.route("/email/verify/<token>")
def verify_link(token: str):
    return recovery.keep_link(VERIFY_LINK_KEY, token, ".verify_email")


@bp.route("/email/verify", methods=["GET", "POST"])
def verify_email():
    return confirm_address_page(VERIFY_LINK_KEY, recovery.VERIFY, recovery.verify_email,
                                done=_("Thank you. Your email address is confirmed."),
                                template="accounts/verify_email.html")


def confirm_address_page(key: str, purpose: str, apply: Callable[[AccountToken], bool], *,
                         done: str, template: str,
                         usable: Callable[[AccountToken], bool] = lambda row: True):
    """The page of an emailed link that confirms an address (verifying it, or changing to
    it). A button, not the link itself, confirms: mail scanners open links, and a GET
    changes nothing."""
    row, problem = recovery.check(session.get(key), purpose)
    if row is None or not usable(row):
        return link_problem(purpose, problem or recovery.Problem.UNKNOWN)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        if not apply(row):
            return link_problem(purpose, recovery.Problem.USED)
        session.pop(key, None)
        flash(done, "success")
        if current_user.is_authenticated:
            return redirect(home_url(current_user))
        return redirect(url_for(".login"))
    return render_template(template, form=form, email=row.email)


def _resend_key() -> str:
    return f"verify-resend|{current_user.get_id()}"


@bp.route("/email/verify/resend", methods=["POST"])
@limiter.limit(setting_limit("EMAIL_VERIFY_RESEND_LIMIT"), key_func=_resend_key,
               methods=["POST"], scope="verify-resend")
@roles_required(Role.PATIENT)
def resend_verification():
    forms.require_confirm()
    if current_user.email_verified:
        flash(_("Your email address is already confirmed."), "info")
    else:
        recovery.send_verification(current_user)
        # Not the address itself: flashes travel in the readable session cookie (finding 17).
        flash(_("We have sent a new link to your email address. It may take a few minutes "
                "to arrive."), "success")
    return redirect(home_url(current_user))
