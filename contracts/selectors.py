"""Reads for customers and reservations that need more than one line of ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import policy, rows
from rental.core.money import ZERO, cny
from rental.core.timeutil import local
from service_tickets import fees
from service_tickets.selectors import contract_terms

from .deposits import WaiverDecision, deposit_for_unit, deposit_waiver
from .models import Contract, Customer, Guarantor, Inspection, Reservation, ReservationLine

# The customer of a login, with the waiver's facts of their active guarantor (at most one: the
# constraint contracts_one_active_guarantor), in one query: every page of the customer's own reads
# the customer, and every quote and reservation the waiver.
_CUSTOMER_OF = """
    SELECT {columns}, g.id IS NOT NULL, g.id_number, g.id_verified_at, g.household_confirmed_at
    FROM {customer} c LEFT JOIN {guarantor} g ON g.customer_id = c.id AND g.is_active
    WHERE c.user_id = %s
"""
_ACTIVE_GUARANTOR = """
    SELECT true, id_number, id_verified_at, household_confirmed_at FROM {guarantor}
    WHERE customer_id = %s AND is_active
"""


@dataclass(frozen=True)
class _GuarantorFacts:
    id_number: str
    id_verified_at: datetime | None
    household_confirmed_at: datetime | None


def _guarantor_facts(row) -> _GuarantorFacts | None:
    present, *facts = row
    return _GuarantorFacts(*facts) if present else None


def customer_of(user) -> Customer | None:
    """The customer record of a customer's login, if they have told us who is renting, with
    their active guarantor's facts for `customer_waiver` (read in the same query)."""
    found = rows.read(
        Customer, _CUSTOMER_OF, [user.pk], alias="c", customer=Customer, guarantor=Guarantor
    )
    if not found:
        return None
    customer, guarantor = found[0]
    customer._guarantor_facts = _guarantor_facts(guarantor)
    return customer


def customer_waiver(*, customer: Customer | None, on: date) -> WaiverDecision:
    """The deposit waiver as it stands for this customer today (only staff-verified facts);
    for a quote without a customer, not waived until we know who is renting."""
    if customer is None:
        return WaiverDecision(
            waived=False,
            missing=(
                _(
                    "Sign in and tell us who is renting: the deposit is waived only against "
                    "identity documents our staff have verified."
                ),
            ),
        )
    guarantor = _active_guarantor(customer) if not customer.is_company else None
    return deposit_waiver(
        customer_kind=customer.kind,
        credit_code=customer.credit_code or None,
        licence_verified=customer.licence_verified_at is not None,
        representative_id=customer.representative_id or None,
        representative_id_verified=customer.representative_id_verified_at is not None,
        own_id=customer.resident_id or None,
        own_id_verified=customer.own_id_verified_at is not None,
        guarantor_id=guarantor.id_number if guarantor else None,
        guarantor_id_verified=bool(guarantor and guarantor.id_verified_at),
        guarantor_xiamen_household_confirmed=bool(guarantor and guarantor.household_confirmed_at),
        on=on,
    )


def _active_guarantor(customer: Customer) -> _GuarantorFacts | None:
    """What the waiver needs of the customer's active guarantor: as `customer_of` read it, or
    read now for a customer read otherwise."""
    if hasattr(customer, "_guarantor_facts"):
        return customer._guarantor_facts
    with connection.cursor() as cursor:
        cursor.execute(
            _ACTIVE_GUARANTOR.format(guarantor=connection.ops.quote_name(Guarantor._meta.db_table)),
            [customer.pk],
        )
        row = cursor.fetchone()
    return _guarantor_facts(row) if row else None


def contract_deposit(*, contract: Contract) -> tuple[bool, Decimal]:
    """(waived, amount): waived if the customer qualifies today, else the per-unit deposits."""
    waiver = customer_waiver(customer=contract.customer, on=local(timezone.now()).date())
    if waiver.waived:
        return True, ZERO
    rate = policy.current().deposit_rate
    return False, cny(
        sum(
            (
                deposit_for_unit(
                    deposit_amount=unit.model.deposit_amount,
                    replacement_value=unit.model.replacement_value,
                    rate=rate,
                )
                for unit in contract.units.select_related("model")
            ),
            ZERO,
        )
    )


def reservations_for(*, customer: Customer) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(customer=customer)
        .prefetch_related(
            Prefetch("lines", queryset=ReservationLine.objects.select_related("model__brand")),
            Prefetch(
                "inspections",
                queryset=Inspection.objects.filter(status__in=["booked", "confirmed"]),
            ),
        )
        .order_by("-created_at")
    )


def reservation_detail(*, number: str) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(number=number)
        .select_related("customer", "address")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReservationLine.objects.select_related("model__brand").prefetch_related(
                    "units__asset"
                ),
            ),
            "inspections",
        )
    )


def active_inspection(reservation: Reservation) -> Inspection | None:
    return reservation.inspections.filter(
        status__in=[s.value for s in Inspection.ACTIVE_STATUSES]
    ).first()


def contract_trip_fees(*, contract: Contract) -> tuple[Decimal, Decimal]:
    """(delivery, pickup), each one-way trip: once signed, the fees kept at signing; before,
    what they come to now from the contract's terms (its own terms on top)."""
    if contract.is_signed:
        return contract.delivery_fee, contract.pickup_fee
    if contract.fulfilment != "delivery" or not contract.zone or contract.distance_km is None:
        return ZERO, ZERO
    fee = fees.delivery_fee(
        tier=contract.tier,
        zone=contract.zone,
        distance_km=contract.distance_km,
        terms=contract_terms(contract),
    )
    return fee, fee


def reservation_outcome(*, reservation: Reservation) -> dict | None:
    """After the inspection: what was accepted and released, per model, and the figures of the
    contract the accepted units went onto. The reservation's own quote stays what it was (the
    page shows it as "as quoted"). None while no inspection outcome is recorded."""
    units = [unit for line in reservation.lines.all() for unit in line.units.all()]
    if not any(u.outcome != u.Outcome.HELD for u in units):
        return None
    accepted: dict[str, int] = {}
    released: dict[str, int] = {}
    for line in reservation.lines.all():
        for unit in line.units.all():
            target = accepted if unit.outcome == unit.Outcome.ACCEPTED else released
            if unit.outcome != unit.Outcome.HELD:
                target[str(line.model)] = target.get(str(line.model), 0) + 1
    contract = Contract.objects.filter(reservation=reservation).first()
    figures = None
    if contract is not None:
        rent = cny(sum((u.rent for u in contract.units.all()), ZERO))
        delivery, pickup = contract_trip_fees(contract=contract)
        figures = {
            "number": contract.number,
            "status": contract.get_status_display(),
            "units": sum(accepted.values()),
            "rent": rent,
            "delivery_fee": delivery,
            "pickup_fee": pickup,
            "total": cny(rent + delivery + pickup),
            "deposit_waived": contract.deposit_waived,
            "deposit": contract.deposit_amount,
        }
    return {
        "accepted": sorted(accepted.items()),
        "released": sorted(released.items()),
        "contract": figures,
    }
