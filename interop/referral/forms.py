"""The referral message's forms: a receiver (the admin's) and a send (the therapist's)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.security import MAX_DB_INT
from interop.referral.models import ReceiverKind

KIND_LABELS = {
    ReceiverKind.GP: _l("GP practice"),
    ReceiverKind.PSYCHIATRY: _l("Psychiatry"),
    ReceiverKind.MUNICIPALITY: _l("Municipality"),
    ReceiverKind.OTHER: _l("Other"),
}


def _http_url(form, field) -> None:
    parts = urlsplit(field.data or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Give the address as a full URL starting with https://."))


class ReceiverForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the receiver's name.")), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                            for k, label in KIND_LABELS.items()],
                       validators=[InputRequired(message=_l("Choose the kind."))])
    endpoint = StringField(
        _l("Endpoint URL"),
        description=_l("Where the receiver takes FHIR messages (its $process-message URL)."),
        validators=[DataRequired(message=_l("Give the endpoint URL.")), Length(max=500),
                    _http_url])


class ReceiverToggleForm(FlaskForm):
    # An id beyond the database's integer type is no receiver (and SQLite cannot bind it).
    receiver = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_DB_INT)])


class SendForm(FlaskForm):
    letter = HiddenField(validators=[InputRequired()])
    receiver = SelectField(_l("Send to"), coerce=int, choices=[],
                           validators=[InputRequired(message=_l("Choose a receiver."))])
