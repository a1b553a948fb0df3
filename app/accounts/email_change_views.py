"""Changing the email address, on the accounts blueprint (issue 14).

Its routes join ``app.accounts.views.bp`` when this module is imported (``create_app``
does), so their endpoints stay ``accounts.*``. As with the other emailed links, the token
goes from the URL into the signed session cookie at once, and a button (never the GET a
mail scanner makes) completes the change.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import email_change, forms, operations, recovery, sessions
from app.accounts.guards import setting_limit, succeeded
from app.accounts.recovery_views import confirm_address_page
from app.accounts.views import bp
from app.extensions import limiter

CHANGE_LINK_KEY = "change_link"


def _change_key() -> str:
    return f"email-change|{current_user.get_id()}"


@bp.route("/account/email", methods=["GET", "POST"])
@limiter.limit(setting_limit("EMAIL_CHANGE_LIMIT"), key_func=_change_key, methods=["POST"],
               deduct_when=succeeded, scope="email-change")
@login_required
@sessions.reauthentication_required
def change_email():
    form = forms.ChangeEmailForm()
    if form.validate_on_submit():
        wanted = operations.normalise_email(form.email.data)
        if wanted == operations.normalise_email(current_user.email):
            form.email.errors.append(_("That is already your email address."))
        else:
            email_change.request_change(current_user, wanted)
            # The same answer whether or not another account uses the address. Not the
            # address itself: flashes travel in the readable session cookie.
            flash(_("We have sent a link to your new email address. Your email changes when "
                    "you follow it."), "success")
            return redirect(url_for(".account"))
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/email/cancel", methods=["POST"])
@login_required
def cancel_email_change():
    forms.require_confirm()
    if email_change.cancel(current_user):
        flash(_("The change of email address is cancelled. The link no longer works."), "info")
    return redirect(url_for(".account"))


@bp.route("/email/change/<token>")
def change_link(token: str):
    return recovery.keep_link(CHANGE_LINK_KEY, token, ".confirm_email_change")


@bp.route("/email/change", methods=["GET", "POST"])
@limiter.limit(setting_limit("PASSWORD_RESET_LIMIT_PER_IP"), methods=["POST"],
               scope="change-use-ip")
def confirm_email_change():
    return confirm_address_page(
        CHANGE_LINK_KEY, recovery.CHANGE, email_change.apply_change,
        done=_("Your email address is changed. Sign in with the new one from now on."),
        template="accounts/confirm_email_change.html",
        usable=lambda row: not email_change.address_taken(row))
