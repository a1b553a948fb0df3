from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

FEEDBACK_MAX = 5000
NOTE_MAX = 1000


class FeedbackForm(FlaskForm):
    feedback = TextAreaField(
        _l("Your feedback"),
        description=_l("Written to the patient: warm, specific, and with one next step."),
        validators=[DataRequired(message=_l("Write your feedback first.")),
                    Length(max=FEEDBACK_MAX, message=_l("Keep it under 5000 characters."))],
    )


class MoodForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Choose a day."))])
    mood = RadioField(
        _l("How has your mood been today?"),
        coerce=int,
        choices=[SelectChoice(i, str(i)) for i in range(11)],
        validators=[InputRequired(message=_l("Choose a number from 0 to 10."))],
    )
    note = TextAreaField(
        _l("A note for yourself (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX,
                                       message=_l("Keep the note under 1000 characters."))],
    )


class VrAssignForm(FlaskForm):
    """A scene for the patient and the level to start at (the view checks both against the
    patient's programmes, so an unknown scene or level is a form error, not a 500)."""

    scene = SelectField(_l("Scene"), choices=[], validate_choice=False,
                        validators=[InputRequired(message=_l("Choose a scene."))])
    start_level = IntegerField(
        _l("Starting level"),
        description=_l("The level the patient starts at. They can still stop at any moment."),
        validators=[InputRequired(message=_l("Write a starting level as a number."))])
