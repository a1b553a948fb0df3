"""The therapist's plan form (one box per section, one item per line) and the patient's
"add to my plan" form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from safety.sections import MAX_ITEM_LENGTH, MAX_ITEMS, SECTIONS


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _fits_on_the_page(form, field) -> None:
    items = lines(field.data)
    if len(items) > MAX_ITEMS:
        raise ValidationError(_l("Write at most %(n)s lines here.", n=MAX_ITEMS))
    if any(len(item) > MAX_ITEM_LENGTH for item in items):
        raise ValidationError(_l("Keep each line under %(n)s characters.", n=MAX_ITEM_LENGTH))


class PlanForm(FlaskForm):
    """Filled with the patient, in a call: the sections are the attributes named by id."""

    change_note = StringField(
        _l("What changed (optional)"),
        description=_l("For example: agreed with the patient in today's call."),
        validators=[Optional(), Length(max=300)])

    def sections(self):
        return [(section, getattr(self, section.id)) for section in SECTIONS]

    def section_items(self) -> dict[str, list[str]]:
        return {section.id: lines(field.data) for section, field in self.sections()}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(self.section_items().values()):
            self.warning_signs.errors.append(_l("Write at least one line in the plan."))
            return False
        return valid


for _section in SECTIONS:
    setattr(PlanForm, _section.id, TextAreaField(
        _section.title, description=_section.prompt, validators=[_fits_on_the_page]))


class AddItemForm(FlaskForm):
    section = SelectField(_l("Where in your plan"),
                          choices=[SelectChoice(s.id, s.title) for s in SECTIONS],
                          validators=[InputRequired(message=_l("Choose a part of your plan."))])
    item = StringField(
        _l("What you want to add"),
        validators=[DataRequired(message=_l("Write what you want to add.")),
                    Length(max=MAX_ITEM_LENGTH,
                           message=_l("Keep it under %(n)s characters.", n=MAX_ITEM_LENGTH))])
