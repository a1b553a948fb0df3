"""Phone numbers: read what people type, keep E.164, show them the way people write them.

Pure functions without Flask, so the rules are easy to test and type-check.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType


class InvalidPhone(ValueError):
    """Not a phone number we could call."""


def normalise(raw: str, region: str) -> str:
    """``raw`` as E.164 (``+4512345678``); numbers without ``+`` are read as ``region``'s."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty")
    if text.startswith("00"):  # the international prefix most of Europe dials
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region.upper())
    except NumberParseException as exc:
        raise InvalidPhone(str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str | None) -> str:
    """A stored number as people write it (``+45 12 34 56 78``); "" for none."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def example(region: str) -> str:
    """A made-up mobile number of the region, to show the format we expect."""
    number = phonenumbers.example_number_for_type(region.upper(), PhoneNumberType.MOBILE)
    if number is None:
        return "+45 12 34 56 78"
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
