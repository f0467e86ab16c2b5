"""Handing over inside the rental: from its start minus the turnaround buffer, and earlier only
by first moving the contract's start (DOMAIN.md: a unit is never out while the calendar says it
is free).

An earlier handover moves the start to the hour it happens in, re-places every unit's calendar
entry (refused, all or nothing, if a unit is booked by someone else then) and re-prices each
unit's rent by the same cheapest-cover rule at its signed rate card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from catalog import services as calendar
from catalog.pricing import RateCard, rent_breakdown
from rental.core import audit, policy
from rental.core.money import ZERO, cny

from ..models import Contract, ContractUnit


@dataclass(frozen=True)
class StartMove:
    old_start: datetime
    new_start: datetime
    old_rent: Decimal
    new_rent: Decimal


def handover_opens_at(contract: Contract) -> datetime:
    """The earliest moment units go out without moving the start."""
    return contract.starts_at - policy.current().turnaround_buffer


def contract_start_for_handover(
    *, contract: Contract, units: list[ContractUnit], now: datetime, by
) -> StartMove | None:
    """Before the first unit goes out early, move the start to `now`'s hour; the caller holds
    the contract's row lock. None when the handover is inside the rental's window."""
    if now >= handover_opens_at(contract) or any(u.handed_over_at for u in units):
        return None
    new_start = now.replace(minute=0, second=0, microsecond=0)
    old_start = contract.starts_at
    old_rent = cny(sum((u.rent for u in units), ZERO))
    for unit in units:
        calendar.calendar_set_start(entry=unit.calendar_entry, starts_at=new_start, by=by)
        card = RateCard.from_dict(unit.rate_card) if unit.rate_card else unit.model.rate_card()
        unit.rent = cny(rent_breakdown(**card.rates(), start=new_start, end=contract.ends_at).total)
    ContractUnit.objects.bulk_update(units, ["rent"])
    contract.starts_at = new_start
    contract.save(update_fields=["starts_at"])
    move = StartMove(
        old_start=old_start,
        new_start=new_start,
        old_rent=old_rent,
        new_rent=cny(sum((u.rent for u in units), ZERO)),
    )
    audit.record(
        by,
        "contracts.contract.start_moved",
        contract,
        old=old_start,
        new=new_start,
        rent_before=move.old_rent,
        rent_after=move.new_rent,
    )
    return move
