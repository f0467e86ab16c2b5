"""The road distance a customer's address starts with: an estimate from its district.

Customers rarely know the road kilometres from our depot; the quote uses this default (or the
figure they type) and says it is an estimate. Staff confirm the real distance before signing
(services.distance). The figures are typical road distances from the depot in Siming.
"""

from decimal import Decimal

DEFAULT_KM = {
    "siming": Decimal("6"),
    "huli": Decimal("10"),
    "jimei": Decimal("25"),
    "haicang": Decimal("22"),
    "tongan": Decimal("40"),
    "xiangan": Decimal("45"),
    "zhangzhou": Decimal("60"),
    "quanzhou": Decimal("100"),
}


def estimated_km(district: str) -> Decimal | None:
    """The district's default distance, or None where there is no sensible default."""
    return DEFAULT_KM.get(district)
