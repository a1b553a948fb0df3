"""The admin's page of record systems: the FHIR API's clients, registered and revoked.

What ``flask fhir client add|revoke`` does, in the browser: a region's system is added with
its public key and the scopes it may ask for, and revoked at once when it should stop.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.db import db, utcnow
from app.security import roles_required
from app.signals.pages import NavEntry
from interop.api.models import FhirClient
from interop.api.tokens import load_public_key

bp = Blueprint("fhir_admin", __name__, url_prefix="/admin/record-systems",
               template_folder="templates")

SCOPES = {
    "system/Patient.read": _l("Patients: name, birth date, language, national identifier"),
    "system/QuestionnaireResponse.read": _l("Questionnaire answers"),
    "system/Observation.read": _l("Questionnaire scores"),
    "system/EpisodeOfCare.read": _l("Courses of treatment and their steps"),
}


def _public_key(_form: FlaskForm, field: TextAreaField) -> None:
    try:
        load_public_key(field.data or "")
    except ValueError:
        raise ValidationError(_("Paste the system's public key: a PEM block (BEGIN PUBLIC "
                                "KEY) or a JWK in JSON. A private key is never needed.")) from None


class ClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("What patients read on their access log, e.g. "
                                      "\"Region Midtjylland EPJ\"."))
    public_key = TextAreaField(_l("Public key"),
                               validators=[DataRequired(), Length(max=10_000), _public_key],
                               description=_l("RSA (2048 bits or more) or P-384, as PEM or "
                                              "JWK. The system keeps its private key."))
    scopes = SelectMultipleField(_l("What it may read"), choices=list(SCOPES.items()),
                                 validators=[DataRequired(_l("Choose at least one."))])


class RevokeForm(FlaskForm):
    """A bare POST form: CSRF is its only field."""


def nav_entries(user) -> list[NavEntry]:
    """One entry for both FHIR pages, record systems and receivers (``fhir_admin/_nav.html``
    links each to the other)."""
    return [NavEntry(50, _l("FHIR connections"), "fhir_admin.clients")] if user.is_admin else []


@bp.route("/")
@roles_required(Role.ADMIN)
def clients():
    rows = db.session.execute(db.select(FhirClient).order_by(
        FhirClient.revoked_at.is_not(None), FhirClient.name)).scalars().all()
    return render_template("fhir_admin/clients.html", clients=rows, form=RevokeForm(),
                           scope_names=SCOPES)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_client():
    form = ClientForm()
    if form.validate_on_submit():
        client = FhirClient(name=form.name.data.strip(), client_id=secrets.token_urlsafe(16),
                            public_key=form.public_key.data.strip(),
                            scopes=" ".join(form.scopes.data))
        add_recorded(client, "fhir_client", patient_id=None)
        db.session.commit()
        flash(_("%(name)s is registered. Give the system its client id: %(client_id)s",
                name=client.name, client_id=client.client_id), "success")
        return redirect(url_for(".clients"))
    return render_template("fhir_admin/client_new.html", form=form)


@bp.route("/<int:client_pk>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(client_pk: int):
    client = db.session.get(FhirClient, client_pk)
    if client is None or not RevokeForm().validate_on_submit():
        abort(404 if client is None else 400)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        record(Action.UPDATE, "fhir_client", client.id, patient_id=None)
        db.session.commit()
        flash(_("%(name)s is revoked: its tokens stop working now.", name=client.name),
              "success")
    return redirect(url_for(".clients"))
