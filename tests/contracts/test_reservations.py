from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from catalog.errors import NotEnoughUnits
from catalog.models import CalendarEntry
from contracts import services
from contracts.models import Inspection, Reservation, ReservationUnit
from contracts.services import ReservationItem, ReservationRequest
from contracts.services.customers import CustomerError
from contracts.services.inspections import InspectionError
from contracts.services.reservations import ReservationError
from rental.accounts.models import User
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from tests.factories import (
    AddressFactory,
    AssetFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def hour(days_ahead: int, at: int) -> datetime:
    day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=days_ahead)).date()
    return datetime(day.year, day.month, day.day, at, tzinfo=SHANGHAI)


@pytest.fixture
def customer():
    return CustomerFactory()


@pytest.fixture
def laptop():
    model = EquipmentModelFactory(name="ThinkPad T14")
    AssetFactory.create_batch(3, model=model)
    return model


@pytest.fixture
def projector():
    model = EquipmentModelFactory(
        name="VPL-EX570",
        hour_rate=Decimal("15"),
        day_rate=Decimal("100"),
        week_rate=Decimal("500"),
        month_rate=Decimal("1500"),
        deposit_amount=Decimal("4500"),
    )
    AssetFactory.create_batch(2, model=model)
    return model


def reserve(
    customer, *items, start=None, end=None, fulfilment="collection", address=None, tier="basic"
):
    return services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=[ReservationItem(model=m, quantity=q) for m, q in items],
            starts_at=start or hour(3, 9),
            ends_at=end or hour(6, 9),
            fulfilment=fulfilment,
            address=address,
            tier=tier,
        ),
        by=customer.user,
    )


def test_reserving_holds_concrete_units_and_keeps_the_quote(customer, laptop, projector):
    address = AddressFactory(customer=customer, distance_km=Decimal("7.5"))

    reservation = reserve(
        customer, (laptop, 2), (projector, 1), fulfilment="delivery", address=address
    )

    assert reservation.status == Reservation.Status.HELD
    assert reservation.number.startswith("R")
    held = CalendarEntry.objects.filter(is_active=True, kind="hold")
    assert held.count() == 3
    assert {e.asset.model_id for e in held} == {laptop.pk, projector.pk}
    quote = reservation.quote
    assert [line["rent"] for line in quote["lines"]] == ["180.00", "300.00"]  # 3 days each
    assert quote["delivery_fee"] == "20.00"  # basic tier, base zone, 7.5 km taxi fare
    assert quote["pickup_fee"] == "20.00"
    assert quote["total"] == "520.00"
    assert quote["deposit_waived"] is False
    assert quote["deposit"] == "10500.00"  # 2 × 6000 × 50 % + the projector's own 4500
    assert reservation.hold_expires_at - reservation.created_at == pytest.approx(
        timedelta(hours=48), abs=timedelta(seconds=5)
    )


def test_all_lines_or_none_when_one_model_is_short(customer, laptop, projector):
    reserve(customer, (projector, 2))

    with pytest.raises(NotEnoughUnits) as caught:
        reserve(CustomerFactory(), (laptop, 2), (projector, 1))

    assert caught.value.free == 0
    assert CalendarEntry.objects.filter(is_active=True, asset__model=laptop).count() == 0
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": hour(-1, 9), "end": hour(2, 9)}, "The rental cannot start in the past."),
        (
            {"start": hour(4, 9), "end": hour(3, 9)},
            "The end of the rental must be after its start.",
        ),
        ({"start": hour(3, 9).replace(minute=30)}, "Rentals start and end on the hour."),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_held(customer, laptop, kwargs, message):
    with translation.override("en"), pytest.raises(ReservationError, match=message):
        reserve(customer, (laptop, 1), **kwargs)

    assert not CalendarEntry.objects.exists()


def test_quantity_zero_or_above_stock_is_refused(customer, laptop):
    with translation.override("en"):
        with pytest.raises(ReservationError, match="at least 1"):
            reserve(customer, (laptop, 0))
        with pytest.raises(ReservationError, match="We have only 3 units"):
            reserve(customer, (laptop, 4))

    assert not CalendarEntry.objects.exists()


def test_delivery_to_someone_elses_address_is_refused(customer, laptop):
    stranger = AddressFactory()

    with pytest.raises(ReservationError):
        reserve(customer, (laptop, 1), fulfilment="delivery", address=stranger)

    assert not Reservation.objects.exists()


def test_an_address_outside_every_zone_is_refused(customer):
    with translation.override("en"), pytest.raises(CustomerError, match="district"):
        services.address_add(customer=customer, district="taipei", line="x", distance_km="5")

    assert not customer.addresses.exists()


def test_cancelling_frees_every_unit(customer, laptop):
    reservation = reserve(customer, (laptop, 3))

    services.reservation_cancel(reservation=reservation, by=customer.user)

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert not CalendarEntry.objects.filter(is_active=True).exists()
    assert reserve(CustomerFactory(), (laptop, 3)).lines.get().units.count() == 3


def test_showroom_slots_fill_up(customer, laptop, settings):
    slot = hour(2, 10)
    reservations = [reserve(CustomerFactory(), (laptop, 1)) for _ in range(3)]

    for reservation in reservations[:2]:
        services.inspection_book(reservation=reservation, place="showroom", starts_at=slot, by=None)

    with translation.override("en"), pytest.raises(InspectionError, match="slot is full"):
        services.inspection_book(
            reservation=reservations[2], place="showroom", starts_at=slot, by=None
        )
    free = dict(services.showroom_slots(day=slot.date()))
    assert free[slot] == 0
    assert free[slot + timedelta(hours=1)] == 2


def test_a_showroom_slot_outside_opening_hours_or_after_the_start_is_refused(customer, laptop):
    reservation = reserve(customer, (laptop, 1))

    with pytest.raises(InspectionError):
        services.inspection_book(
            reservation=reservation, place="showroom", starts_at=hour(2, 20), by=None
        )
    with pytest.raises(InspectionError):
        services.inspection_book(
            reservation=reservation, place="showroom", starts_at=hour(4, 10), by=None
        )
    assert reservation.inspections.count() == 0


def test_rescheduling_keeps_one_active_inspection(customer, laptop):
    reservation = reserve(customer, (laptop, 1))

    services.inspection_book(
        reservation=reservation, place="showroom", starts_at=hour(1, 10), by=None
    )
    services.inspection_book(
        reservation=reservation, place="showroom", starts_at=hour(2, 15), by=None
    )

    active = reservation.inspections.filter(status__in=Inspection.ACTIVE_STATUSES)
    assert [i.starts_at for i in active] == [hour(2, 15)]


def test_accepting_some_units_releases_the_rest_and_drafts_a_contract(customer, laptop, projector):
    reservation = reserve(customer, (laptop, 2), (projector, 1))
    services.inspection_book(
        reservation=reservation, place="showroom", starts_at=hour(1, 10), by=None
    )
    laptop_units = list(ReservationUnit.objects.filter(line__model=laptop))

    contract = services.inspection_record_outcome(
        reservation=reservation, accepted_unit_ids=[u.pk for u in laptop_units], by=None
    )

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.ACCEPTED
    assert contract.status == "draft"
    assert sorted(contract.units.values_list("asset_id", flat=True)) == sorted(
        u.asset_id for u in laptop_units
    )
    assert CalendarEntry.objects.filter(is_active=True, asset__model=projector).count() == 0
    assert CalendarEntry.objects.filter(is_active=True, asset__model=laptop).count() == 2


def test_declining_everything_needs_a_reason_and_frees_all(customer, laptop):
    reservation = reserve(customer, (laptop, 2))
    services.inspection_book(
        reservation=reservation, place="showroom", starts_at=hour(1, 10), by=None
    )

    with pytest.raises(InspectionError):
        services.inspection_record_outcome(reservation=reservation, accepted_unit_ids=[], by=None)
    assert (
        services.inspection_record_outcome(
            reservation=reservation, accepted_unit_ids=[], reason="型号不符合需求", by=None
        )
        is None
    )

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.DECLINED
    assert not CalendarEntry.objects.filter(is_active=True).exists()


def test_the_sweep_expires_unbooked_holds_and_missed_inspections_once(customer, laptop):
    unbooked = reserve(customer, (laptop, 1))
    missed = reserve(CustomerFactory(), (laptop, 1))
    services.inspection_book(reservation=missed, place="showroom", starts_at=hour(1, 10), by=None)
    fresh = reserve(CustomerFactory(), (laptop, 1))
    later = timezone.now() + timedelta(hours=49)
    Reservation.objects.filter(pk=fresh.pk).update(hold_expires_at=later + timedelta(hours=1))

    assert services.reservations_expire_due(now=later) == 2
    assert services.reservations_expire_due(now=later) == 0

    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {unbooked.pk: "expired", missed.pk: "expired", fresh.pk: "held"}
    assert missed.inspections.get().status == Inspection.Status.MISSED
    assert CalendarEntry.objects.filter(is_active=True).count() == 1


def test_the_customer_and_the_front_desk_hear_of_a_new_reservation_once(customer, laptop):
    desk = StaffFactory(email="desk@xinsisuo.example", groups=[User.StaffGroup.FRONT_DESK])

    reservation = reserve(customer, (laptop, 1))
    # The worker's part (the task reservation_create enqueues on commit), run twice as a
    # redelivered task would be.
    assert services.reservation_announce(reservation_id=reservation.pk)
    assert not services.reservation_announce(reservation_id=reservation.pk)

    assert Reservation.objects.get(pk=reservation.pk).announced_at is not None
    sent = Notification.objects.filter(key=f"reservation:{reservation.pk}:confirmed")
    assert sorted(sent.values_list("channel", "recipient")) == [
        ("email", customer.email),
        ("sms", "+8613812345678"),
    ]
    assert reservation.number in sent.get(recipient=customer.email).body
    # The desk hears it in its own words: a reservation to check, not "your reservation".
    [staff] = Notification.objects.filter(key=f"reservation:{reservation.pk}:confirmed:staff")
    assert (staff.event, staff.recipient) == ("staff.reservation.confirmed", desk.email)
    assert staff.subject == f"新预订 {reservation.number} 待确认（{customer.name}）"
    assert "您的预订" not in staff.body


def test_a_reservation_cancelled_before_it_was_announced_is_never_called_confirmed(
    customer, laptop
):
    StaffFactory(email="desk@xinsisuo.example", groups=[User.StaffGroup.FRONT_DESK])
    reservation = reserve(customer, (laptop, 1))
    services.reservation_cancel(reservation=reservation, by=customer.user)

    # The workers were down: the announcing task runs after the cancellation.
    assert services.reservation_announce(reservation_id=reservation.pk)

    events = set(Notification.objects.values_list("event", flat=True))
    assert events == {"reservation.cancelled", "staff.reservation.cancelled"}
    assert Reservation.objects.get(pk=reservation.pk).announced_at is not None


def test_the_sweep_announces_only_reservations_whose_own_task_never_came(customer, laptop):
    lost = reserve(customer, (laptop, 1))
    fresh = reserve(CustomerFactory(), (laptop, 1))
    done = reserve(CustomerFactory(), (laptop, 1))
    services.reservation_announce(reservation_id=done.pk)
    Reservation.objects.filter(pk__in=[lost.pk, done.pk]).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )

    assert services.reservations_announce_due() == 1
    assert services.reservations_announce_due() == 0

    keys = set(Notification.objects.values_list("key", flat=True))
    assert keys == {f"reservation:{lost.pk}:confirmed", f"reservation:{done.pk}:confirmed"}
    # The one made a moment ago is left to its own task, which is still on its way.
    assert Reservation.objects.get(pk=fresh.pk).announced_at is None


def test_customers_are_reminded_of_tomorrows_inspection_once(customer, laptop):
    reservation = reserve(customer, (laptop, 1))
    inspection = services.inspection_book(
        reservation=reservation, place="showroom", starts_at=hour(1, 10), by=None
    )
    today_evening = hour(0, 18)

    assert services.inspections_remind_due(now=today_evening) == 1
    services.inspections_remind_due(now=today_evening)

    reminders = Notification.objects.filter(key=f"inspection:{inspection.pk}:reminder")
    assert sorted(reminders.values_list("channel", flat=True)) == ["email", "sms"]
    assert reservation.number in reminders.get(channel="email").body
    assert services.inspections_remind_due(now=hour(2, 18)) == 0
