from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import (
    devices,
    drafts,
    email_change,
    forms,
    mfa,
    notices,
    operations,
    phones,
    sessions,
)
from app.accounts.guards import (
    PENDING_USER,
    account,
    account_and_ip,
    failed_attempt,
    known_device,
    pending_key,
    reauth_key,
    safe_next,
    setting_limit,
    slowed_message,
    succeeded,
)
from app.accounts.models import Role, User
from app.accounts.terms import load_terms
from app.db import db, utcnow
from app.erasure import operations as erasure
from app.extensions import limiter
from app.security import roles_required
from app.signals import account_panels, sorted_panels

bp = Blueprint("accounts", __name__)

PENDING_SINCE = "mfa_since"
NEXT = "next"


# --- helpers -------------------------------------------------------------------------------


def home_url(user: User) -> str:
    if user.is_therapist:
        return url_for("caseload.index")
    if user.is_admin:
        return url_for("caseload.admin_patients")
    return url_for("main.patient_home")


def _complete_login(user: User, next_url: str | None):
    sessions.start(user)
    login_user(user)
    if drafts.waiting_for(user):
        next_url = url_for("drafts.show")  # what they typed before the session expired
    response = redirect(safe_next(next_url) or home_url(user))
    devices.remember(response, request.cookies, user.email)
    return response


def _mfa_limit():
    """One shared budget for every second-factor step, counted per pending sign-in."""
    return limiter.limit("10 per 15 minutes", key_func=pending_key, methods=["POST"],
                         deduct_when=failed_attempt, scope="mfa")


def _pending_user() -> User | None:
    """The clinician who gave the right password and still owes a second factor."""
    user_id, since = session.get(PENDING_USER), session.get(PENDING_SINCE)
    if user_id is None or since is None:
        return None
    window = timedelta(minutes=current_app.config["MFA_PENDING_MINUTES"])
    if utcnow().timestamp() - since > window.total_seconds():
        session.pop(PENDING_USER, None)
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def terms_for(language: str):
    config = current_app.config
    return load_terms(config["CONTENT_DIR"], config["TERMS_VERSION"], language)


# --- login and logout ----------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    setting_limit("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=account_and_ip,
    methods=["POST"],
    deduct_when=failed_attempt,
    scope="login-account",
)
@limiter.limit(
    setting_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"], deduct_when=failed_attempt,
    scope="login-ip",
)
@limiter.limit(
    setting_limit("LOGIN_LIMIT_PER_ACCOUNT_ALL"),
    key_func=account,
    methods=["POST"],
    deduct_when=failed_attempt,
    exempt_when=known_device,
    error_message=slowed_message,
    scope="login-account-all",
)
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = forms.LoginForm()
    next_url = safe_next(request.args.get(NEXT))
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None and erasure.pending_for(user) is not None:
            form.password.errors.append(erasure_pending_message())
        elif user is None or not user.is_active:
            form.password.errors.append(
                _("That email and password do not match an active account.")
            )
        elif (provider := _required_provider(user)) is not None:
            form.password.errors.append(
                _("Staff sign in with %(provider)s. Use the button below.", provider=provider)
            )
        elif user.role_enum.is_clinician:
            return _start_second_factor(user, next_url)
        else:
            return _complete_login(user, next_url)
    expired = session.pop("expired", False)
    return render_template("accounts/login.html", form=form, expired=expired)


def _required_provider(user: User) -> str | None:
    """The provider a clinician must sign in with (its label), when the clinic says so.

    A clinician with no linked provider yet still signs in with password and code, to link one.
    """
    if not (current_app.config["OIDC_STAFF_REQUIRED"] and user.role_enum.is_clinician):
        return None
    configured = current_app.config.get("OIDC_PROVIDERS", {})
    for link in operations.oidc_links_of(user):
        if link.provider in configured:
            return str(configured[link.provider]["label"])
    return None


def erasure_pending_message() -> str:
    config = current_app.config
    return _("You have asked for erasure, and we are handling your request, so this account "
             "can no longer sign in. To ask about it, contact %(clinic)s on %(phone)s.",
             clinic=config["CLINIC_NAME"], phone=config["CLINIC_PHONE"])


def _start_second_factor(user: User, next_url: str | None):
    sessions.clear_for_new_login()  # nothing else from before the password survives
    session[PENDING_USER] = user.id
    session[PENDING_SINCE] = utcnow().timestamp()
    if next_url:
        session[NEXT] = next_url
    if not user.mfa_enrolled:
        operations.begin_totp_enrolment(user)
        return redirect(url_for(".mfa_setup"))
    return redirect(url_for(".mfa_verify"))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and "lang" not in session:
        session["lang"] = current_user.language  # keep speaking their language
    sessions.end_current("logout")
    logout_user()
    flash(_("You are signed out."), "info")
    response = make_response(redirect(url_for(".login")))
    # Ask the browser to drop anything it cached or stored for us.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- second factor -------------------------------------------------------------------------


@bp.route("/login/two-step", methods=["GET", "POST"])
@_mfa_limit()
def mfa_verify():
    user = _pending_user()
    if user is None:
        return redirect(url_for(".login"))
    if not user.mfa_enrolled:
        return redirect(url_for(".mfa_setup"))
    form = forms.TotpForm()
    if form.validate_on_submit():
        if operations.verify_totp(user, form.code.data):
            return _complete_login(user, session.pop(NEXT, None))
        form.code.errors.append(_("That code is not valid. Wait for a new code and try again."))
    return render_template("accounts/mfa_verify.html", form=form)


@bp.route("/login/recovery", methods=["GET", "POST"])
@_mfa_limit()
def mfa_recovery():
    user = _pending_user()
    if user is None or not user.mfa_enrolled:
        return redirect(url_for(".login"))
    form = forms.RecoveryCodeForm()
    if form.validate_on_submit():
        if operations.use_recovery_code(user, form.recovery_code.data):
            left = operations.unused_recovery_codes(user)
            flash(_("Recovery code used. You have %(n)s left.", n=left), "warning")
            return _complete_login(user, session.pop(NEXT, None))
        form.recovery_code.errors.append(_("That recovery code is not valid or was already used."))
    return render_template("accounts/mfa_recovery.html", form=form)


@bp.route("/login/two-step/setup", methods=["GET", "POST"])
@_mfa_limit()
def mfa_setup():
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for(".login"))
    if user.mfa_enrolled:
        return redirect(url_for(".mfa_verify"))
    form = forms.TotpForm()
    if form.validate_on_submit():
        codes = operations.confirm_totp(user, form.code.data)
        if codes is not None:
            next_url = session.pop(NEXT, None)
            _complete_login(user, next_url)
            return render_template(
                "accounts/recovery_codes.html",
                codes=codes,
                continue_url=safe_next(next_url) or home_url(user),
            )
        form.code.errors.append(
            _("That code is not valid. Check the time on your phone and try again.")
        )
    uri = mfa.provisioning_uri(user.totp_secret, user.email, current_app.config["MFA_ISSUER"])
    return render_template(
        "accounts/mfa_setup.html", form=form, qr=mfa.qr_svg(uri), secret=user.totp_secret
    )


# --- registration --------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"], deduct_when=failed_attempt, scope="register")
@limiter.limit(setting_limit("REGISTER_LIMIT_PER_IP"), methods=["POST"], deduct_when=succeeded,
               scope="register-done")
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = forms.RegisterForm()
    terms = registration_terms(form)
    if form.validate_on_submit():
        notices.register_or_notify_owner(form, terms)
        # The same answer whether or not the email was taken: the page must not tell a
        # stranger who has an account. The email says which it was.
        flash(_("Thank you. We have sent you an email. Sign in with your email and "
                "password to continue."), "success")
        return redirect(url_for(".login", next=url_for("screening.index")))
    return render_template("accounts/register.html", form=form, terms=terms,
                           phone_example=phones.example(current_app.config["PHONE_REGION"]))


def _current_language() -> str:
    return str(get_locale())


def registration_terms(form):
    """The terms a registration form shows: in the page's language at first, then in the
    language the form asks for (Danish if it asks for neither)."""
    if request.method == "GET":
        form.language.data = _current_language()
    return terms_for(form.language.data if form.language.data in ("da", "en") else "da")


# --- language ------------------------------------------------------------------------------


@bp.route("/language", methods=["POST"])
def set_language():
    form = forms.LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in ("da", "en"):
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated and current_user.language != form.lang.data:
        current_user.language = form.lang.data
    return redirect(safe_next(form.next.data) or url_for("main.index"))


# --- the account page ----------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = forms.ProfileForm(obj=current_user)
    if not form.is_submitted():
        form.reminders.data = not current_user.reminders_opt_out
        form.research.data = not current_user.research_opt_out
    if form.validate_on_submit():
        research = form.research.data if current_user.is_patient else None
        operations.update_profile(current_user, name=form.name.data, language=form.language.data,
                                  reminders=form.reminders.data, research=research)
        session["lang"] = form.language.data
        flash(_("Your details are saved."), "success")
        return redirect(url_for(".account"))
    return render_template(
        "accounts/account.html",
        form=form,
        recovery_left=operations.unused_recovery_codes(current_user),
        oidc_links=operations.oidc_links_of(current_user),
        pending_email=email_change.pending_for(current_user),
        cancel_form=forms.ConfirmForm(),
        panels=sorted_panels(account_panels, current_user),
    )


@bp.route("/account/confirm", methods=["GET", "POST"])
@limiter.limit(setting_limit("REAUTH_LIMIT"), key_func=reauth_key, methods=["POST"],
               deduct_when=failed_attempt, scope="reauth")
@login_required
def reauthenticate():
    """Ask for the password again (and the code, for clinicians) before sensitive changes."""
    form = forms.ReauthForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get(NEXT)) or url_for(".account")
    if form.validate_on_submit():
        ok = operations.authenticate(current_user.email, form.password.data) is not None
        if not ok:
            form.password.errors.append(_("That password is not right."))
        elif current_user.role_enum.is_clinician and not operations.verify_totp(
            current_user, form.code.data or ""
        ):
            form.code.errors.append(_("That code is not valid. Wait for a new code and try again."))
        else:
            sessions.mark_reauthenticated()
            return redirect(safe_next(form.next.data) or url_for(".account"))
    return render_template("accounts/reauth.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@sessions.reauthentication_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        operations.set_password(current_user, form.password.data)
        flash(_("Your password is changed. Other devices have been signed out."), "success")
        return redirect(url_for(".account"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@roles_required(Role.THERAPIST, Role.ADMIN)
@sessions.reauthentication_required
def new_recovery_codes():
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        codes = operations.replace_recovery_codes(current_user)
        return render_template(
            "accounts/recovery_codes.html", codes=codes, continue_url=url_for(".account")
        )
    return render_template("accounts/recovery_codes_new.html", form=form)
