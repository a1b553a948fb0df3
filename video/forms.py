from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

DURATIONS = (15, 20, 30, 45, 50, 60, 75, 90, 120)
DEFAULT_DURATION = 45


def duration_choices() -> list[SelectChoice]:
    return [SelectChoice(minutes, _l("%(minutes)s minutes", minutes=minutes))
            for minutes in DURATIONS]


class AppointmentForm(FlaskForm):
    """Date and time are in the clinic's time zone (``STEPCARE_TIMEZONE``)."""

    patient_id = SelectField(
        _l("Patient"), coerce=int,
        validators=[InputRequired(message=_l("Choose a patient from your caseload."))],
    )
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    time = TimeField(
        _l("Start time"),
        description=_l("For example 14:30."),
        validators=[InputRequired(message=_l("Enter the start time, for example 14:30."))],
    )
    duration = SelectField(
        _l("Length"), coerce=int, default=DEFAULT_DURATION,
        validators=[InputRequired(message=_l("Choose how long the appointment is."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration.choices = duration_choices()


class RescheduleForm(AppointmentForm):
    patient_id = None  # the patient of an appointment does not change
