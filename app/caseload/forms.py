from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError


class AssignForm(FlaskForm):
    therapist_id = SelectField(
        _l("Therapist"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a therapist."))],
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("New note"),
        description=_l("Only clinicians see notes. The patient never does."),
        validators=[DataRequired(message=_l("Write the note first.")),
                    Length(max=10000, message=_l("Keep a note under 10000 characters."))],
    )


# The empty first option makes the target and the ending explicit choices: a form that
# arrives with "Step 1" or "Treatment completed" already chosen gets submitted unread.
STEP_ACTIONS = [
    SelectChoice("", _l("Choose…")),
    SelectChoice("1", _l("Step 1: self-help")),
    SelectChoice("2", _l("Step 2: guided online programme")),
    SelectChoice("3", _l("Step 3: video sessions")),
    SelectChoice("4", _l("Step 4: refer to other care")),
    SelectChoice("discharge", _l("Discharge: end this episode of care")),
]
END_REASONS = [
    SelectChoice("", _l("Choose…")),
    SelectChoice("completed", _l("Treatment completed")),
    SelectChoice("dropped_out", _l("Dropped out")),
    SelectChoice("referred_on", _l("Referred on")),
    SelectChoice("other", _l("Other")),
]


class StepChangeForm(FlaskForm):
    action = SelectField(
        _l("Change to"), choices=STEP_ACTIONS,
        validators=[InputRequired(message=_l("Choose the step to change to."))],
    )
    end_reason = SelectField(_l("If discharging: how did the episode end?"),
                             choices=END_REASONS)
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason for the change.")),
                    Length(max=2000)],
    )


    def validate_end_reason(self, field) -> None:
        # Only a discharge ends the episode, so only a discharge needs to say how.
        if self.action.data == "discharge" and not field.data:
            raise ValidationError(_l("Choose how the episode ended."))


class ReferralForm(FlaskForm):
    recipient = StringField(
        _l("To"),
        description=_l("The service or clinician the letter goes to."),
        validators=[DataRequired(message=_l("Say who the letter is for.")), Length(max=255)],
    )
    reason = TextAreaField(
        _l("Reason for referral"),
        validators=[DataRequired(message=_l("Give the reason for the referral.")),
                    Length(max=4000)],
    )
