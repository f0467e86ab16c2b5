"""Money is CNY held in Decimal and rounded half-up to the fen (0.01)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

from .errors import ApplicationError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(
    value: Decimal | int | str, *, error: type[ApplicationError] = ApplicationError
) -> Decimal:
    """A finite Decimal from a Decimal, int or numeric string; a float is refused (TypeError)
    so that no binary fraction sneaks into money, and a non-number raises `error`."""
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise TypeError("Expected a Decimal, int or str, never a float.")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise error(gettext("Expected a finite number."), code="invalid_number")
    return number


def cny(value: Decimal | int | str) -> Decimal:
    """Round an amount to 0.01 CNY; floats are refused so no binary fraction sneaks in."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or str.")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def format_cny(value: Decimal) -> str:
    return f"¥{cny(value):,.2f}"


def plain_number(value: Decimal | int) -> str:
    """A tariff number as people write it: 10, 2.5, never 10.00 or 1E+1."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
