"""``/account/export``: the patient downloads their own data after typing the password again.

The password is asked on every download, not only within the re-authentication window of
a recent login: the file holds the whole record, and may be asked for on a shared
computer. Wrong passwords count against the same limit as the account's "Confirm it is
you" step (``STEPCARE_REAUTH_LIMIT``).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from app.accounts import operations as accounts
from app.accounts import sessions
from app.accounts.guards import reauth_key, setting_limit
from app.accounts.models import Role, User
from app.caseload.operations import record_disclosure
from app.db import utcnow
from app.extensions import limiter
from app.security import patient_data, roles_required
from app.signals import Panel
from interop.export import records, report
from interop.export.bundle import bundle

bp = Blueprint("patient_export", __name__, template_folder="templates")

KIND = "patient_export"  # the disclosure's kind and the audit row's resource type
FORMATS = {"html": "HTML", "fhir": "FHIR R4 Bundle (JSON)"}


class ExportForm(FlaskForm):
    format = RadioField(_l("What to download"), default="html", choices=[
        SelectChoice("html", _l("A report to read or print (HTML)")),
        SelectChoice("fhir", _l("A file for other health systems and apps (FHIR R4, JSON)")),
    ], validators=[InputRequired(message=_l("Choose what to download."))])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter your password."))])


def account_panel(user: User) -> Panel | None:
    """The account page's link (``account_panels``), for patients only."""
    if user.role != Role.PATIENT:
        return None
    return Panel(order=30, template="interop_export/_account_panel.html")


def _not_a_download(response: Response) -> bool:
    # A wrong password re-renders the form (200); a download carries an attachment.
    return "Content-Disposition" not in response.headers


def _download(patient: User, fmt: str) -> Response:
    found = records.read(patient)
    stamp = f"{utcnow():%Y-%m-%d}"
    if fmt == "fhir":
        base = request.url_root.rstrip("/") + "/fhir/R4"
        body = bundle(found, base).model_dump_json(indent=2)
        name, mimetype = f"stepcare-{stamp}.fhir.json", "application/fhir+json"
    else:
        language = str(get_locale())
        body = render_template("interop_export/report.html", records=found,
                               forms=report.answered_forms(found, language),
                               field_text=report.field_text, language=language,
                               access_rows=report.access_rows(found), made_at=utcnow())
        name, mimetype = f"stepcare-{stamp}.html", "text/html"
    record_disclosure(patient, by=patient, kind=KIND, recipient=patient.name,
                      purpose="The patient's own copy (GDPR Art. 15 and 20)",
                      what=f"Everything Stepcare holds about the patient, as {FORMATS[fmt]}")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/account/export", methods=["GET", "POST"])
@limiter.limit(setting_limit("REAUTH_LIMIT"), key_func=reauth_key, methods=["POST"],
               deduct_when=_not_a_download, scope="reauth")
@roles_required(Role.PATIENT)
@patient_data
def export():
    form = ExportForm()
    if form.validate_on_submit():
        if accounts.authenticate(current_user.email, form.password.data) is None:
            form.password.errors.append(_("That password is not right."))
        else:
            sessions.mark_reauthenticated()
            return _download(current_user._get_current_object(), form.format.data)
    return render_template("interop_export/export.html", form=form)
