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


def clean_mobile(value: str | None) -> str:
    """A mainland-China mobile number (the only kind that receives our codes) in E.164 form.

    Spaces, dashes and a +86 or 0086 prefix are accepted: "138 5991 2345" and "+86 13859912345"
    are the same number.
    """
    number = phonenumbers.parse(clean_phone(value), "CN")
    kind = phonenumbers.number_type(number)
    types = phonenumbers.PhoneNumberType
    mobile = (types.MOBILE, types.FIXED_LINE_OR_MOBILE)
    if number.country_code != 86 or kind not in mobile:
        raise PhoneError(
            _("Enter a mainland China mobile number (11 digits, starting with 1)."),
            code="not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_digits(query: str) -> str:
    """The digits to look for when a search box may hold a phone number; "" when it does not.

    "138 5991 2345", "+86 138-5991-2345" and "0086 13859912345" all give "13859912345", which is
    contained in the stored E.164 form (+8613859912345) whatever the spacing it was typed with.
    """
    if any(ch.isalpha() for ch in query):
        return ""
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) < 4:
        return ""
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits
