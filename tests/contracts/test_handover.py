"""Handover inside the rental: an earlier handover first moves the start (calendar re-placed,
rent re-priced, said so), and is refused when the unit is booked by someone else then."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import CalendarEntry
from catalog.selectors import blocked_range
from contracts.models import Contract
from contracts.services import contracts as lifecycle
from rental.core.errors import ApplicationError, Conflict
from tests.factories import AssetFactory, ContractFactory, EquipmentModelFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _hour(hours: float = 0):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


def _signed(starts_in_days: int = 6, days: int = 7):
    model = EquipmentModelFactory(
        hour_rate=Decimal("5"), day_rate=Decimal("30"), week_rate=Decimal("150")
    )
    asset = AssetFactory(model=model)
    start = _hour(24 * starts_in_days)
    contract = ContractFactory(
        status="signed",
        starts_at=start,
        ends_at=start + timedelta(days=days),
        signed_at=timezone.now(),
        units=[asset],
        deposit_amount=Decimal("0"),
    )
    return contract, asset


def test_an_early_handover_moves_the_start_replaces_the_calendar_and_reprices(client):
    contract, asset = _signed(starts_in_days=6, days=7)
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:desk_scan", args=[contract.number]),
        {"asset_tag": asset.asset_tag},
        follow=True,
    )

    contract.refresh_from_db()
    now_hour = _hour()
    assert contract.starts_at == now_hour
    assert contract.status == Contract.Status.ACTIVE
    entry = contract.units.get().calendar_entry
    entry.refresh_from_db()
    assert entry.starts_at == now_hour and entry.kind == "rental"
    # 13 days at 5/30/150: a week and six days (150 + 6 × 30 = 330) → a week + 6 days is
    # dearer than two weeks (300): the cheapest cover is 300.
    assert contract.units.get().rent == Decimal("300.00")
    assert contract.charges.get(kind="rent").amount == Decimal("300.00")
    page = response.content.decode()
    assert "提前交付：租期改为" in page and "重新计算为 ¥300.00" in page


def test_an_early_handover_is_refused_when_the_unit_is_rented_to_someone_else_before():
    contract, asset = _signed(starts_in_days=6, days=7)
    other_start, other_end = _hour(24), _hour(48)
    CalendarEntry.objects.create(
        asset=asset,
        kind="rental",
        starts_at=other_start,
        ends_at=other_end,
        blocked=blocked_range(other_start, other_end, timedelta(hours=2)),
        note="someone else",
    )
    start_before = contract.starts_at

    with pytest.raises(Conflict):
        lifecycle.contract_handover_scan(
            contract=contract, asset_tag=asset.asset_tag, by=StaffFactory()
        )

    contract.refresh_from_db()
    assert contract.starts_at == start_before
    assert contract.status == Contract.Status.SIGNED
    assert contract.units.get().handed_over_at is None
    assert not contract.charges.exists()


def test_a_handover_inside_the_buffer_keeps_the_start():
    contract, asset = _signed(starts_in_days=0, days=2)
    Contract.objects.filter(pk=contract.pk).update(starts_at=_hour(1), ends_at=_hour(49))
    contract.refresh_from_db()

    lifecycle.contract_handover_scan(
        contract=contract, asset_tag=asset.asset_tag, by=StaffFactory()
    )

    contract.refresh_from_db()
    assert contract.starts_at == _hour(1)


def test_the_distance_is_an_estimate_until_staff_confirm_it_and_a_change_reprices():
    from contracts.selectors import contract_trip_fees
    from contracts.services.distance import contract_confirm_distance
    from rental.core.models import AuditEvent
    from tests.factories import AddressFactory, CustomerFactory

    customer = CustomerFactory()
    address = AddressFactory(customer=customer, distance_km=Decimal("5"), zone="base")
    contract = ContractFactory(
        status="draft",
        customer=customer,
        address=address,
        tier="basic",
        zone="base",
        distance_km=Decimal("5"),
        distance_confirmed_at=None,
        units=[AssetFactory()],
    )
    staff = StaffFactory()

    with pytest.raises(ApplicationError) as refused:
        lifecycle.contract_sign(contract=contract, by=staff, place="office")
    assert refused.value.code == "distance_unconfirmed"
    assert contract_trip_fees(contract=contract) == (Decimal("14.00"), Decimal("14.00"))

    contract = contract_confirm_distance(contract=contract, distance_km="12.4", by=staff)

    # Taxi: 10 for the first 3 km, then 2 per km or part: 12.4 km → 10 + 10 × 2 = 30.
    assert contract_trip_fees(contract=contract) == (Decimal("30.00"), Decimal("30.00"))
    event = AuditEvent.objects.get(action="contracts.contract.distance_confirmed")
    assert event.data["old"] == "5.0" and event.data["new"] == "12.4"
    signed = lifecycle.contract_sign(contract=contract, by=staff, place="office")
    assert (signed.delivery_fee, signed.pickup_fee) == (Decimal("30.00"), Decimal("30.00"))
