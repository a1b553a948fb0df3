from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from app.accounts import passwords
from app.accounts.contact_forms import ContactFields, contact_fields

LANGUAGE_CHOICES = [("da", "Dansk"), ("en", "English")]
LANGUAGE_SELECT = [SelectChoice("da", "Dansk"), SelectChoice("en", "English")]
MIN_AGE_YEARS = 18
MAX_AGE_YEARS = 120


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _name_field(missing: str) -> StringField:
    """A person's full name; `missing` is the message when it is left empty."""
    return StringField(
        _l("Full name"), validators=[InputRequired(message=missing), Length(max=120)]
    )


def _email_field(missing: str, label: str = _l("Email")) -> EmailField:
    """An email address, checked for shape; `missing` is the message when empty."""
    return EmailField(
        label,
        validators=[
            InputRequired(message=missing),
            Email(message=_l("Enter a valid email address, like name@example.dk.")),
            Length(max=254),
        ],
    )


class NewPasswordField(PasswordField):
    """A password being chosen: the policy runs as a validator, so errors sit by the field."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [InputRequired(message=_l("Choose a password."))])
        super().__init__(label, **kwargs)

    def post_validate(self, form, validation_stopped):
        if validation_stopped or not self.data:
            return
        email = form.email.data if hasattr(form, "email") and form.email.data else ""
        self.errors = list(self.errors) + list(passwords.policy_problems(self.data, email=email))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(message=_l("Enter your email."))])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter your password."))]
    )


class RegisterForm(ContactFields, FlaskForm):
    name = _name_field(_l("Enter your name."))
    email = _email_field(_l("Enter your email."))
    password = NewPasswordField(
        _l("Password"),
        description=_l("At least 8 characters. A few words strung together are easy to remember."),
    )
    date_of_birth = DateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Enter your date of birth."))],
    )
    phone, gp_practice, emergency_name, emergency_relation, emergency_phone = contact_fields()
    language = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="da")
    consent = BooleanField(
        _l("I have read the treatment terms and agree to them."),
        validators=[InputRequired(message=_l("You must agree to the terms to register."))],
    )

    def validate_date_of_birth(self, field):
        if field.data is None:  # not a real date (year 0 or 10000, 30 February, the field twice)
            field.errors[:] = []
            raise ValidationError(_l("Enter the date as year-month-day, like 1990-04-21."))
        age = _age_on(field.data, date.today())
        if field.data > date.today() or age > MAX_AGE_YEARS:
            raise ValidationError(_l("Check the date of birth: it does not look right."))
        if age < MIN_AGE_YEARS:
            raise ValidationError(
                _l("Stepcare is for adults (18 and over). Please talk to your doctor about help.")
            )


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[InputRequired(message=_l("Enter the code from your app.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryCodeForm(FlaskForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[InputRequired(message=_l("Enter one of your recovery codes.")), Length(max=32)],
        render_kw={"autocomplete": "off"},
    )


class ReauthForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter your password."))]
    )
    code = StringField(
        _l("6-digit code"),
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    password = NewPasswordField(_l("New password"))


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[InputRequired()])
    next = HiddenField()


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[InputRequired(message=_l("Enter your name.")), Length(max=120)],
    )
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_SELECT)
    reminders = BooleanField(
        _l("Email me reminders"),
        description=_l("Short emails when something is waiting for you. They never say "
                       "anything about your health."),
    )
    research = BooleanField(
        _l("Take part in research"),
        description=_l("Your questionnaire scores may go, without your name or any date, into "
                       "de-identified exports for research. Untick to be left out."),
    )


class CreateClinicianForm(FlaskForm):
    name = _name_field(_l("Enter a name."))
    email = _email_field(_l("Enter an email."))
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("therapist", _l("Therapist")),
            SelectChoice("admin", _l("Administrator")),
        ],
    )
    password = NewPasswordField(
        _l("First password"),
        description=_l("Give it to them in person; they set up two-step login when they sign in."),
    )
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_SELECT)


class ConfirmForm(FlaskForm):
    """A bare POST form: CSRF is its only field."""


def require_confirm() -> None:
    """Refuse (400) a button's POST whose ConfirmForm does not validate (no CSRF token)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


class ForgotPasswordForm(FlaskForm):
    email = _email_field(_l("Enter the email address you sign in with."))


class ResetPasswordForm(FlaskForm):
    password = NewPasswordField(_l("New password"))


class OidcRegisterForm(ContactFields, FlaskForm):
    """Registration through an OpenID provider: its claims gave the name and birth date."""

    email = _email_field(_l("Enter your email."))
    phone, gp_practice, emergency_name, emergency_relation, emergency_phone = contact_fields()
    language = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="da")
    consent = BooleanField(
        _l("I have read the treatment terms and agree to them."),
        validators=[InputRequired(message=_l("You must agree to the terms to register."))],
    )


def is_adult(born: date) -> bool:
    return _age_on(born, date.today()) >= MIN_AGE_YEARS and born <= date.today()


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("Enter your new email address."), _l("New email address"))
