"""The account page's push reminders: turn on for this device, list, remove, channel."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import RadioField

from app.accounts.models import Role, User
from app.openapi import operation
from app.push import operations, sender
from app.push.models import CHANNELS
from app.push.schemas import Refused, Subscribed, SubscriptionBody
from app.security import roles_required
from app.signals import Panel

bp = Blueprint("push", __name__, url_prefix="/account/push")


class ChannelForm(FlaskForm):
    channel = RadioField(_l("Send my reminders by"), default="email", choices=[
        ("email", _l("Email")), ("push", _l("Notification on my devices")),
        ("both", _l("Both email and notification")),
    ])


class RemoveForm(FlaskForm):
    """CSRF only."""


def account_panel(user: User) -> Panel | None:
    """The account page's card (``account_panels``), for patients."""
    if user.role != Role.PATIENT:
        return None
    form = ChannelForm(formdata=None, channel=user.reminder_channel)
    return Panel(order=20, template="push/_account_panel.html", context={
        "enabled": sender.enabled(),
        "public_key": current_app.config.get("VAPID_PUBLIC_KEY", ""),
        "subscriptions": operations.subscriptions_of(user),
        "form": form,
        "remove_form": RemoveForm(),
        "reminders_off": user.reminders_opt_out,
    })


def _refused(message: str):
    return jsonify(Refused(message=message).model_dump()), 400


@bp.route("/subscriptions", methods=["POST"])
@operation("Turn on push reminders for this device (the browser's PushSubscription).",
           body=SubscriptionBody,
           responses={200: (Subscribed, "Subscribed (again, if this device already was)."),
                      400: (Refused, "Not a subscription Stepcare can use; the message says "
                                     "why."),
                      409: (Refused, "Push reminders are off on this server.")})
@roles_required(Role.PATIENT)
def subscribe():
    if not sender.enabled():
        return jsonify(Refused(message=_("Notifications are not set up on this server."))
                       .model_dump()), 409
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        return _refused(_("The browser sent no subscription. Try again."))
    try:
        body = SubscriptionBody.model_validate(raw)
    except ValidationError:
        return _refused(_("The browser's subscription could not be used: its address or "
                          "keys are not valid. Try again, or use another browser."))
    found = operations.subscribe(current_user, body.endpoint, body.keys.p256dh, body.keys.auth,
                                 request.user_agent.string or "")
    return jsonify(Subscribed(id=found.id, device=found.device).model_dump())


@bp.route("/subscriptions/<int:subscription_id>/remove", methods=["POST"])
@roles_required(Role.PATIENT)
def remove(subscription_id: int):
    found = operations.own_subscription(current_user, subscription_id)
    if found is None or not RemoveForm().validate_on_submit():
        abort(404)
    operations.remove(found)
    flash(_("That device gets no more notifications from Stepcare."), "success")
    return redirect(url_for("accounts.account") + "#push")


@bp.route("/channel", methods=["POST"])
@roles_required(Role.PATIENT)
def channel():
    form = ChannelForm()
    if form.validate_on_submit() and form.channel.data in CHANNELS:
        operations.set_channel(current_user, form.channel.data)
        flash(_("Your choice of reminders is saved."), "success")
    else:
        flash(_("Choose email, notification or both."), "error")
    return redirect(url_for("accounts.account") + "#push")
