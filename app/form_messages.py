"""WTForms' built-in validation messages, in the app's own catalogue.

WTForms ships no Danish translation, so Flask-WTF's own lookup (in WTForms' catalogue)
left "Field cannot be longer than 120 characters." in English on Danish pages. ``install``
makes every FlaskForm look its messages up in the app's catalogue instead, where
``_catalogue`` below puts them for ``pybabel extract``.
"""

from __future__ import annotations

from flask_babel import get_translations, gettext, ngettext
from flask_wtf import FlaskForm


class _AppTranslations:
    """The gettext pair WTForms calls, answered from the app's catalogue."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel.ngettext: it would format the text, which WTForms does itself.
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = _AppTranslations()


def install() -> None:
    FlaskForm.Meta.get_translations = lambda self, form: TRANSLATIONS


def _catalogue() -> None:  # pragma: no cover - read by pybabel extract, never called
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Not a valid choice.")
    gettext("Not a valid integer value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)
