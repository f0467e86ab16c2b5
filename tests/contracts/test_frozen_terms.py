"""DOMAIN.md "What is frozen, and when": a quote follows what is in force; a signed contract keeps
what it was signed under, whatever staff change afterwards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import EquipmentModel
from catalog.pricing import RateCard, extension_rent
from contracts.models import Charge, Contract
from contracts.services import ReservationItem, ReservationRequest, reservations
from contracts.services import contracts as lifecycle
from rental.core import policy
from rental.core.timeutil import SHANGHAI
from service_tickets.selectors import fee_quote
from service_tickets.services import terms as terms_services
from service_tickets.services.opening import ticket_open, trip_schedule
from tests.factories import (
    AddressFactory,
    AssetFactory,
    ContractFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def _hour(days: int, hour: int = 9):
    today = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=days)
    return timezone.datetime(today.year, today.month, today.day, hour, tzinfo=SHANGHAI)


def _publish(staff, **changes):
    return terms_services.terms_version_create(
        changes=changes, by=staff, note="tariff change", effective_from=timezone.now()
    )


def _draft(*, tier="basic", distance="7.5", days=3, rent="90.00", model=None, starts_at=None):
    customer = CustomerFactory()
    address = AddressFactory(customer=customer, distance_km=D(distance))
    asset = AssetFactory(model=model) if model else AssetFactory()
    start = starts_at or timezone.now().replace(minute=0, second=0, microsecond=0)
    contract = ContractFactory(
        status="draft",
        customer=customer,
        address=address,
        tier=tier,
        units=[asset],
        starts_at=start,
        ends_at=start + timedelta(days=days),
    )
    contract.units.update(rent=D(rent))
    return contract, asset


def _sign(contract, staff):
    return lifecycle.contract_sign(contract=contract, by=staff, place="office")


def test_a_quote_follows_a_newly_published_terms_version():
    # given a basic-tier delivery 5 km away
    staff = StaffFactory()
    customer = CustomerFactory()
    address = AddressFactory(customer=customer, distance_km=D("5"))
    request = ReservationRequest(
        customer=customer,
        items=(ReservationItem(model=AssetFactory().model, quantity=1),),
        starts_at=_hour(3),
        ends_at=_hour(5),
        fulfilment="delivery",
        address=address,
        tier="basic",
    )
    assert reservations.reservation_quote(request=request).delivery_fee == D("14.00")

    # when staff raise the taxi flag fall to 15
    _publish(staff, **{"taxi.flag_fall": "15.00"})

    # then the next quote uses it: 15 for 3 km + 2 × 2 km
    assert reservations.reservation_quote(request=request).delivery_fee == D("19.00")


def test_trip_fees_are_priced_once_at_signing_and_the_trip_ticket_charges_the_same():
    # given a basic-tier contract 7.5 km away, signed under version 1 (10 + 2 × 5 = 20)
    staff = StaffFactory()
    contract, asset = _draft(tier="basic", distance="7.5")
    _sign(contract, staff)

    # when the tariff changes after signing
    _publish(staff, **{"taxi.flag_fall": "15.00", "taxi.per_km": "3.00"})

    # then the contract's trips still cost 20, at handover and on the trip ticket alike
    contract.refresh_from_db()
    assert (contract.delivery_fee, contract.pickup_fee) == (D("20.00"), D("20.00"))
    trip = trip_schedule(
        contract=contract,
        kind="delivery",
        scheduled_for=timezone.now() + timedelta(hours=2),
        by=staff,
    )
    assert (fee_quote(trip).low, fee_quote(trip).high) == (D("20.00"), D("20.00"))
    lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)
    assert list(contract.charges.filter(kind="delivery").values_list("amount", flat=True)) == [
        D("20.00")
    ]


def test_late_return_is_priced_from_the_signed_card_and_surcharge():
    # given a contract signed at 5/h with the house's 20 % late surcharge
    staff = StaffFactory()
    contract, asset = _draft(days=1, rent="30.00")
    _sign(contract, staff)
    lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)

    # when prices and the policy change after signing
    EquipmentModel.objects.filter(pk=asset.model_id).update(
        hour_rate=D("25"), day_rate=D("150"), week_rate=D("750"), month_rate=D("2000")
    )
    house = policy.current()
    house.late_return_surcharge = D("0.5")
    house.save()

    # and the unit comes back 3 hours late
    contract.refresh_from_db()
    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=asset.asset_tag,
        condition="good",
        by=staff,
        returned_at=contract.ends_at + timedelta(hours=3),
    )

    # then the late charge is 3 h × 5 × 1.2, as signed
    late = Charge.objects.get(contract=contract, kind="late_return")
    assert late.amount == D("18.00")


@pytest.mark.parametrize(
    ("days", "agreed", "extra_days", "charged"),
    [(6, "300.00", 1, "0.00"), (3, "180.00", 2, "120.00")],
)
def test_extension_prices_the_whole_period_at_the_signed_card(days, agreed, extra_days, charged):
    # given DOMAIN.md's card 10/h, 60/d, 300/wk and a contract signed under it
    staff = StaffFactory()
    model = EquipmentModelFactory(
        hour_rate=D("10"), day_rate=D("60"), week_rate=D("300"), month_rate=D("1000")
    )
    contract, asset = _draft(days=days, rent=agreed, model=model)
    _sign(contract, staff)
    lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)
    # even if the card is raised after signing
    EquipmentModel.objects.filter(pk=model.pk).update(day_rate=D("600"), week_rate=D("3000"))

    # when the rental is extended
    contract.refresh_from_db()
    lifecycle.contract_extend(
        contract=contract, ends_at=contract.ends_at + timedelta(days=extra_days), by=staff
    )

    # then only the difference to the whole period's cheapest cover is charged, never below 0
    extensions = contract.charges.filter(key__contains="extension")
    assert sum((c.amount for c in extensions), D("0.00")) == D(charged)
    unit = contract.units.get()
    assert unit.rent == D(agreed) + D(charged)


def test_extension_rule_explains_itself():
    card = RateCard(hour=D("10"), day=D("60"), week=D("300"), month=D("1000"))
    start = _hour(1)

    result = extension_rent(
        card=card, start=start, new_end=start + timedelta(days=5), agreed=D("180")
    )

    assert result.amount == D("120.00")
    assert len(result.lines) == 3


def test_ticket_deadlines_follow_the_signed_terms():
    # given a rapid-tier 3-day rental signed under version 1 (4 h on the island)
    staff = StaffFactory()
    contract, asset = _draft(tier="rapid", days=3)
    _sign(contract, staff)

    # when staff later promise 1 h to new contracts
    _publish(staff, **{"rapid.response_hours.base": 1})
    ticket = ticket_open(
        contract=Contract.objects.get(pk=contract.pk),
        asset=asset,
        kind="hardware",
        description="屏幕不亮",
        by=contract.customer.user,
    )

    # then this contract's ticket is still due 4 h after the call
    assert ticket.deadline - ticket.reported_at.replace(microsecond=0) == timedelta(hours=4)


def test_the_deposit_is_kept_as_signed_when_the_policy_rate_changes():
    # given a contract signed with the deposit at 50 % of the replacement value
    staff = StaffFactory()
    contract, asset = _draft()
    _sign(contract, staff)
    contract.refresh_from_db()
    signed_deposit = contract.deposit_amount
    assert contract.policy_snapshot["deposit_rate"].startswith("0.5")

    # when the house rate changes and the units are handed over
    house = policy.current()
    house.deposit_rate = D("0.9")
    house.save()
    lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)

    # then the deposit collected is the signed one
    entry = contract.deposit_entries.get()
    assert (entry.kind, entry.amount) == ("collected", signed_deposit)
    assert signed_deposit == (asset.model.replacement_value * D("0.5")).quantize(D("0.01"))
