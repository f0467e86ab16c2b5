"""Money is CNY held in Decimal and rounded half-up to the fen (0.01)."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def cny(value: Decimal | int | str) -> Decimal:
    """Round an amount to 0.01 CNY; floats are refused so no binary fraction sneaks in."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or str.")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def format_cny(value: Decimal) -> str:
    return f"¥{cny(value):,.2f}"
