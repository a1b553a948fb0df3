"""The fields that let a clinician reach a patient: phone, GP and an emergency contact."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TelField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.accounts import phones


def phone_region() -> str:
    return current_app.config["PHONE_REGION"]


class PhoneField(TelField):
    """A phone number: what was typed stays in the field; ``e164`` is what we keep."""

    e164: str | None = None

    def pre_validate(self, form) -> None:
        self.e164 = None
        if not (self.data or "").strip():
            return
        try:
            self.e164 = phones.normalise(self.data, phone_region())
        except phones.InvalidPhone:
            raise ValidationError(_(
                "This does not look like a phone number we can call. Write it with the "
                "country code, like %(example)s.", example=phones.example(phone_region())
            )) from None


def _optional_text(label, length: int) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=length)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


def contact_fields() -> tuple[PhoneField, StringField, StringField, StringField, PhoneField]:
    """New fields each time, so that a form lists them (and their errors) where it puts them."""
    return (
        PhoneField(
            _l("Mobile number"),
            validators=[InputRequired(message=_l("Enter your mobile number, so that we can "
                                                 "call you if we are worried about you."))],
            description=_l("If we are worried about you, we call this number."),
        ),
        _optional_text(_l("Your GP practice (optional)"), 160),
        _optional_text(_l("Emergency contact: name (optional)"), 120),
        _optional_text(_l("How you know them (optional)"), 60),
        PhoneField(_l("Emergency contact: phone (optional)"), validators=[Optional()]),
    )


class ContactFields:
    """The rules of the contact fields, for a form that declares them with contact_fields()."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[misc]
        # Here, not as a field validator: Optional() ends an empty field's validation.
        named = self.emergency_name.data or self.emergency_relation.data
        if named and not (self.emergency_phone.data or "").strip():
            self.emergency_phone.errors = [*self.emergency_phone.errors, _(
                "Add your emergency contact's phone number, or leave their name empty.")]
            ok = False
        return ok

    def validate_emergency_name(self, field) -> None:
        if (self.emergency_phone.data or "").strip() and not field.data:
            raise ValidationError(_l("Add the name of the person who has this number."))

    def details(self) -> dict[str, str | None]:
        """The validated values, as the user model stores them."""
        return {
            "phone": self.phone.e164,
            "gp_practice": self.gp_practice.data or None,
            "emergency_name": self.emergency_name.data or None,
            "emergency_relation": self.emergency_relation.data or None,
            "emergency_phone": self.emergency_phone.e164,
        }

    def fill_from(self, user) -> None:
        self.phone.data = phones.display(user.phone)
        self.gp_practice.data = user.gp_practice or ""
        self.emergency_name.data = user.emergency_name or ""
        self.emergency_relation.data = user.emergency_relation or ""
        self.emergency_phone.data = phones.display(user.emergency_phone)


class ContactForm(ContactFields, FlaskForm):
    phone, gp_practice, emergency_name, emergency_relation, emergency_phone = contact_fields()
