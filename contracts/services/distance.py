"""The road distance is staff-verified: the customer's figure (or the district's default) is an
estimate; staff confirm the distance before signing, the contract's trip fees follow from the
confirmed figure, and a change is recorded with the fees before and after."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError, NotAllowed
from rental.core.state import lock, require

from .. import selectors
from ..models import Contract


class DistanceError(ApplicationError):
    pass


def contract_confirm_distance(*, contract: Contract, distance_km, by) -> Contract:
    """Staff confirm (or correct) a draft contract's road distance; the trip fees re-price."""
    if not getattr(by, "is_staff_member", False):
        raise NotAllowed(_("Only staff confirm the road distance."), code="not_staff")
    try:
        km = Decimal(str(distance_km)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise DistanceError(_("Enter the distance in kilometres."), code="distance") from exc
    if not km.is_finite() or km < 0 or km > 2000:
        raise DistanceError(_("The distance must be between 0 and 2,000 km."), code="distance")
    with transaction.atomic():
        contract = lock(contract)
        require(contract, contract.can_edit_terms())
        before_km = contract.distance_km
        before_fees = selectors.contract_trip_fees(contract=contract)
        contract.distance_km = km
        contract.distance_confirmed_at = timezone.now()
        contract.distance_confirmed_by = by
        contract.save(
            update_fields=["distance_km", "distance_confirmed_at", "distance_confirmed_by"]
        )
        after_fees = selectors.contract_trip_fees(contract=contract)
        audit.record(
            by,
            "contracts.contract.distance_confirmed",
            contract,
            old=str(before_km) if before_km is not None else "",
            new=str(km),
            fees_before=[str(f) for f in before_fees],
            fees_after=[str(f) for f in after_fees],
        )
    return contract


def distance_needs_confirming(contract: Contract) -> bool:
    return contract.fulfilment == "delivery" and contract.distance_confirmed_at is None
