"""Phone numbers, checked with phonenumbers for mainland China unless another country is given."""

import phonenumbers
from django.utils.translation import gettext as _

from .errors import ApplicationError


class PhoneError(ApplicationError):
    pass


def e164(value: str | None) -> str | None:
    """The number in E.164 form (+8613800138000), mainland China assumed; None if invalid."""
    try:
        number = phonenumbers.parse((value or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_phone(value: str | None) -> str:
    """A valid mobile or landline number in E.164 form (+8613812345678), or a clear error."""
    raw = (value or "").strip()
    if not raw:
        raise PhoneError(_("Enter a phone number."), code="required")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(
            _("“%(value)s” is not a phone number.") % {"value": raw}, code="invalid"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(
            _("“%(value)s” is not a valid phone number; mobile numbers have 11 digits.")
            % {"value": raw},
            code="invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str) -> str:
    """How staff and customers read it: national format for China, international otherwise."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
