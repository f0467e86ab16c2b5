"""The quote a customer sees before reserving: rent per line, delivery and pickup, deposit.

Pure: plain values in, a Quote out. The reservation stores `quote.to_dict()` so the numbers the
customer agreed to are kept even if prices change later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from catalog.pricing import RateCard, RentLine, rent_breakdown
from rental.core.money import ZERO, cny
from service_tickets import fees
from service_tickets.terms import ServiceTerms

from .deposits import WaiverDecision, deposit_for_unit

#: Most models one reservation may list (form and service alike).
MAX_LINES = 20


@dataclass(frozen=True)
class LineInput:
    model_id: int
    name: str
    quantity: int
    card: RateCard
    replacement_value: Decimal
    deposit_amount: Decimal | None


@dataclass(frozen=True)
class QuoteLine:
    model_id: int
    name: str
    quantity: int
    rent_per_unit: Decimal
    breakdown: tuple[RentLine, ...]
    deposit_per_unit: Decimal

    @property
    def rent(self) -> Decimal:
        return cny(self.rent_per_unit * self.quantity)

    @property
    def deposit(self) -> Decimal:
        return cny(self.deposit_per_unit * self.quantity)


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    delivery_fee: Decimal
    pickup_fee: Decimal
    delivery_explanation: str
    deposit_waived: bool
    waiver_missing: tuple[str, ...]

    @property
    def rent(self) -> Decimal:
        return cny(sum((line.rent for line in self.lines), ZERO))

    @property
    def deposit(self) -> Decimal:
        if self.deposit_waived:
            return ZERO
        return cny(sum((line.deposit for line in self.lines), ZERO))

    @property
    def total(self) -> Decimal:
        """What the customer pays: rent and trips. The deposit is held, not charged."""
        return cny(self.rent + self.delivery_fee + self.pickup_fee)

    def to_dict(self) -> dict:
        return {
            "lines": [
                {
                    "model_id": line.model_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "rent_per_unit": str(line.rent_per_unit),
                    "rent": str(line.rent),
                    # Facts, not sentences: shown in the reader's language by `rent_line_text`.
                    "breakdown": [
                        {"unit": item.unit, "count": item.count, "rate": str(item.rate)}
                        for item in line.breakdown
                    ],
                    "deposit_per_unit": str(line.deposit_per_unit),
                }
                for line in self.lines
            ],
            "rent": str(self.rent),
            "delivery_fee": str(self.delivery_fee),
            "pickup_fee": str(self.pickup_fee),
            "delivery_explanation": self.delivery_explanation,
            "deposit": str(self.deposit),
            "deposit_waived": self.deposit_waived,
            "waiver_missing": list(self.waiver_missing),
            "total": str(self.total),
        }


def build_quote(
    *,
    lines: list[LineInput],
    starts_at: datetime,
    ends_at: datetime,
    tier: str,
    delivery: bool,
    zone: str | None,
    distance_km: Decimal | None,
    waiver: WaiverDecision,
    deposit_rate: Decimal,
    terms: ServiceTerms,
) -> Quote:
    """Price a reservation. Delivery and pickup are one trip each, both at `delivery_fee`."""
    quote_lines = []
    for line in lines:
        breakdown = rent_breakdown(**line.card.rates(), start=starts_at, end=ends_at)
        quote_lines.append(
            QuoteLine(
                model_id=line.model_id,
                name=line.name,
                quantity=line.quantity,
                rent_per_unit=breakdown.total,
                breakdown=breakdown.lines,
                deposit_per_unit=deposit_for_unit(
                    deposit_amount=line.deposit_amount,
                    replacement_value=line.replacement_value,
                    rate=deposit_rate,
                ),
            )
        )
    if delivery:
        trip = fees.delivery_fee(tier=tier, zone=zone, distance_km=distance_km, terms=terms)
        explanation = fees.explain_delivery_fee(
            tier=tier, zone=zone, distance_km=distance_km, terms=terms
        )
    else:
        trip, explanation = ZERO, _("You collect and return the equipment at our office: no fee.")
    return Quote(
        lines=tuple(quote_lines),
        delivery_fee=trip,
        pickup_fee=trip,
        delivery_explanation=explanation,
        deposit_waived=waiver.waived,
        waiver_missing=tuple(str(item) for item in waiver.missing),
    )
