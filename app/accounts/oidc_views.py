"""Sign in, register and link an account through an OpenID provider (app.accounts.oidc).

What a sign-in must find again at the callback (state, nonce, PKCE verifier) waits in the
session cookie. The claims of someone who is registering wait there too, but encrypted:
the cookie is readable, and a name and a birth date are not for anyone who sees it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import date
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import forms, notices, oidc, operations, phones, recovery, sessions
from app.accounts.guards import safe_next, setting_limit, succeeded
from app.accounts.models import User
from app.accounts.views import (
    NEXT,
    _complete_login,
    _start_second_factor,
    bp,
    registration_terms,
)
from app.audit.models import Action, Outcome
from app.audit.operations import record
from app.extensions import limiter

PENDING = "oidc"
REGISTERING = "oidc_register"
REGISTER_MINUTES = 15
LOGIN, LINK = "login", "link"


@bp.app_context_processor
def _providers_for_templates() -> dict[str, Any]:
    return {"oidc_providers": oidc.providers}


def _not_set_up(to_account: bool = False):
    """A provider that is not configured here (a stale bookmark, a removed provider)."""
    flash(_("That sign-in service is not set up here."), "error")
    return redirect(url_for(".account" if to_account else ".login"))


def _callback_url(provider: oidc.Provider) -> str:
    return url_for(".oidc_callback", name=provider.name, _external=True)


def _messages(provider: oidc.Provider) -> dict[str, str]:
    name = provider.label
    unverified = _("The answer from %(provider)s could not be verified, so you are not "
                   "signed in. Please try again.", provider=name)
    return {
        "cancelled": _("You cancelled the sign-in with %(provider)s. Nothing was changed.",
                       provider=name),
        "provider_error": _("%(provider)s could not sign you in. Please try again, or sign in "
                            "with your email and password.", provider=name),
        "unreachable": _("%(provider)s cannot be reached just now. Please try again later, or "
                         "sign in with your email and password.", provider=name),
        "state": _("That sign-in was not started here or took too long. Please start again."),
        "expired": _("The sign-in from %(provider)s has expired. Please start again.",
                     provider=name),
        "signature": unverified, "claims": unverified, "unknown_issuer": unverified,
        "missing_claim": _("%(provider)s did not tell us your name and date of birth, so we "
                           "cannot create your account that way. Please register with your "
                           "email instead.", provider=name),
        "inactive": _("That account is not active. Please contact the clinic."),
        "taken": _("That %(provider)s login is already linked to another Stepcare account.",
                   provider=name),
        "minor": _("Stepcare is for adults (18 and over). Please talk to your doctor about "
                   "help."),
    }


def _refuse(provider: oidc.Provider, reason: str, *, to_account: bool = False):
    """Back to where the sign-in started with a clear message; only the audit row stays."""
    record(Action.CREATE, "oidc_login", provider.name, patient_id=None, outcome=Outcome.DENIED)
    flash(_messages(provider).get(reason, _messages(provider)["provider_error"]), "error")
    return redirect(url_for(".account" if to_account else ".login"))


# --- starting and finishing ----------------------------------------------------------------


def _redirect_to_provider(provider: oidc.Provider, purpose: str, next_url: str | None):
    try:
        url, pending = oidc.begin(provider, _callback_url(provider))
    except oidc.OidcError as exc:
        return _refuse(provider, exc.reason, to_account=purpose == LINK)
    pending["purpose"] = purpose
    if purpose == LINK:
        pending["user_id"] = str(current_user.id)
    if next_url:
        pending["next"] = next_url
    session[PENDING] = pending
    return redirect(url)


@bp.route("/login/oidc/<name>")
def oidc_start(name: str):
    if (provider := oidc.provider(name)) is None:
        return _not_set_up()
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    return _redirect_to_provider(provider, LOGIN, safe_next(request.args.get(NEXT)))


@bp.route("/login/oidc/<name>/callback")
def oidc_callback(name: str):
    if (provider := oidc.provider(name)) is None:
        return _not_set_up()
    pending = session.pop(PENDING, None)
    purpose = (pending or {}).get("purpose", LOGIN)
    try:
        claims = oidc.finish(provider, request.args.to_dict(), pending, _callback_url(provider))
    except oidc.OidcError as exc:
        current_app.logger.info("OpenID sign-in with %s refused: %s", provider.name, exc)
        return _refuse(provider, exc.reason, to_account=purpose == LINK)
    if purpose == LINK:
        return _finish_link(provider, claims, pending or {})
    link = operations.oidc_link_for(provider.name, str(claims["sub"]))
    if link is None:
        return _start_registration(provider, claims)
    return _sign_in(provider, link.user, claims, (pending or {}).get("next"))


def _sign_in(provider: oidc.Provider, user: User, claims: dict[str, Any], next_url: str | None):
    if not user.is_active:
        return _refuse(provider, "inactive")
    patient_id = user.id if user.is_patient else None
    if user.role_enum.is_clinician and not _acr_is_second_factor(claims):
        g.audit_actor = (user.id, user.role)  # not signed in yet: name them in the row
        record(Action.CREATE, "oidc_login", provider.name, patient_id=patient_id)
        return _start_second_factor(user, next_url)
    response = _complete_login(user, next_url)
    record(Action.CREATE, "oidc_login", provider.name, patient_id=patient_id)
    return response


def _acr_is_second_factor(claims: dict[str, Any]) -> bool:
    accepted = current_app.config.get("OIDC_MFA_ACR_VALUES", "").replace(",", " ").split()
    return bool(claims.get("acr")) and str(claims["acr"]) in accepted


# --- linking from the account page ---------------------------------------------------------


@bp.route("/account/oidc", methods=["GET", "POST"])
@login_required
def oidc_link():
    """Link the provider named in ?provider= to the signed-in account (password first)."""
    if (provider := oidc.provider(request.args.get("provider", ""))) is None:
        return _not_set_up(to_account=True)
    detour = sessions.reauthentication_detour(url_for(".oidc_link", provider=provider.name))
    if detour is not None:
        return detour
    if any(link.provider == provider.name for link in operations.oidc_links_of(current_user)):
        flash(_("%(provider)s is already linked to your account.", provider=provider.label),
              "info")
        return redirect(url_for(".account"))
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        return _redirect_to_provider(provider, LINK, None)
    return render_template("accounts/oidc_link.html", form=form, provider=provider)


def _finish_link(provider: oidc.Provider, claims: dict[str, Any], pending: dict[str, str]):
    if not current_user.is_authenticated or str(current_user.id) != pending.get("user_id"):
        return _refuse(provider, "state")
    if operations.oidc_link_for(provider.name, str(claims["sub"])) is not None:
        return _refuse(provider, "taken", to_account=True)
    if any(link.provider == provider.name for link in operations.oidc_links_of(current_user)):
        return redirect(url_for(".account"))
    operations.link_oidc(current_user, provider.name, str(claims["sub"]),
                         _national_id(provider, claims))
    flash(_("%(provider)s is now linked. You can sign in with it.", provider=provider.label),
          "success")
    return redirect(url_for(".account"))


def _national_id(provider: oidc.Provider, claims: dict[str, Any]) -> str | None:
    value = claims.get(provider.id_claim) if provider.id_claim else None
    return str(value)[:64] if value else None


# --- registering through a provider --------------------------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hashlib.sha256(b"stepcare-oidc-registration|" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _claims_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        str(claims[part]) for part in ("given_name", "family_name") if claims.get(part))
    return str(name).strip()[:120]


def _claims_birthdate(claims: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(claims.get("birthdate", "")))
    except ValueError:
        return None


def _start_registration(provider: oidc.Provider, claims: dict[str, Any]):
    name, born = _claims_name(claims), _claims_birthdate(claims)
    if not name or born is None:
        return _refuse(provider, "missing_claim")
    if not forms.is_adult(born):
        return _refuse(provider, "minor")
    person = {"provider": provider.name, "sub": str(claims["sub"]), "name": name,
              "birthdate": born.isoformat(), "national_id": _national_id(provider, claims)}
    session[REGISTERING] = _fernet().encrypt(json.dumps(person).encode()).decode()
    flash(_("No Stepcare account is linked to your %(provider)s login yet. Create one here, or "
            "sign in with your password and link %(provider)s from your account page.",
            provider=provider.label), "info")
    return redirect(url_for(".oidc_register"))


def _registering() -> dict[str, Any] | None:
    token = session.get(REGISTERING)
    if not token:
        return None
    try:
        person = json.loads(_fernet().decrypt(token.encode(), ttl=REGISTER_MINUTES * 60))
    except (InvalidToken, ValueError):
        session.pop(REGISTERING, None)
        return None
    return person if oidc.provider(person.get("provider", "")) else None


@bp.route("/register/oidc", methods=["GET", "POST"])
@limiter.limit(setting_limit("REGISTER_LIMIT_PER_IP"), methods=["POST"], deduct_when=succeeded,
               scope="oidc-register-done")
def oidc_register():
    person = _registering()
    if person is None or current_user.is_authenticated:
        flash(_("That sign-in was not started here or took too long. Please start again."),
              "error")
        return redirect(url_for(".login"))
    if (provider := oidc.provider(person["provider"])) is None:
        return _not_set_up()
    form = forms.OidcRegisterForm()
    terms = registration_terms(form)
    if form.validate_on_submit():
        _register(person, form, terms)
        session.pop(REGISTERING, None)
        flash(_("Thank you. We have sent you an email. Sign in with %(provider)s to continue.",
                provider=provider.label), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/oidc_register.html", form=form, terms=terms,
                           person=person, provider=provider,
                           phone_example=phones.example(current_app.config["PHONE_REGION"]),
                           born=date.fromisoformat(person["birthdate"]))


def _register(person: dict[str, Any], form: forms.OidcRegisterForm, terms) -> None:
    """As the password registration: the same answer whether or not the email was taken."""
    if operations.oidc_link_for(person["provider"], person["sub"]) is not None:
        return  # sent twice: the first one made the account
    try:
        user = operations.register_patient(
            email=form.email.data, password=secrets.token_urlsafe(32), name=person["name"],
            language=form.language.data, date_of_birth=date.fromisoformat(person["birthdate"]),
            terms=terms, contact=form.details(),
        )
    except operations.EmailTaken:
        notices.notify_owner(form.email.data)
        return
    operations.link_oidc(user, person["provider"], person["sub"], person.get("national_id"))
    token = recovery.issue(user, recovery.VERIFY)
    notices.send_registration_notice(user, already_registered=False, verify_token=token,
                                     provider=oidc_label(person["provider"]))


def oidc_label(name: str) -> str:
    provider = oidc.provider(name)
    return provider.label if provider else name
