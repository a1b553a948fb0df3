from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

NOTE_MAX = 2000


def strip(value):
    return value.strip() if isinstance(value, str) else value


def step_choices():
    from screening.steps import STEP_NAMES

    return [SelectChoice(step, f"{step}. {name}") for step, name in STEP_NAMES.items()]


class ReviewForm(FlaskForm):
    step = RadioField(_l("Step of care"), coerce=int,
                      validators=[InputRequired(message=_l("Choose a step."))])
    reason = TextAreaField(
        _l("Reason for a different step"),
        description=_l("Needed when you choose another step than the recommended one. "
                       "It is kept with the screening."),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
    therapist_id = SelectField(_l("Therapist for steps 2 and 3"), coerce=int,
                               validators=[Optional()])


class AcknowledgeForm(FlaskForm):
    note = TextAreaField(
        _l("What did you do?"),
        description=_l("A short note, for example: called the patient, agreed on a safety plan."),
        filters=[strip],  # a note of spaces is no note
        validators=[InputRequired(message=_l("Write a short note about what you did.")),
                    Length(min=5, max=NOTE_MAX,
                           message=_l("Write between 5 and 2000 characters."))],
    )
    no_contact_reason = TextAreaField(
        _l("Why was no contact possible?"),
        description=_l("Needed only when nobody has reached the patient: for example, the "
                       "police were asked to check on them."),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
