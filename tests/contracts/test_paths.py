"""The paths without traps (issue 14), server side: collection inspections, the reservation after
its inspection, the desk's search, and notices worded for their reader."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Inspection
from contracts.services import ReservationItem, ReservationRequest
from rental.accounts.models import User
from rental.core.errors import ApplicationError
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


def _hour(hours: float):
    now = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours)


def _reserve(customer, model, quantity, *, start, hours=48, fulfilment="collection"):
    return services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=(ReservationItem(model=model, quantity=quantity),),
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            fulfilment=fulfilment,
            address=None,
            tier="basic",
        ),
        by=customer.user,
    )


def test_a_collection_starting_within_the_hour_books_its_inspection_at_the_counter(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    reservation = _reserve(customer, model, 1, start=_hour(1))
    client.force_login(customer.user)

    page = client.get(reverse("contracts:inspection_book", args=[reservation.number]))
    html = page.content.decode()
    # Only what can work is offered: no showroom (no slot left before the start), no site visit.
    assert 'value="collection"' in html
    assert 'value="site"' not in html and 'value="showroom"' not in html
    response = client.post(
        reverse("contracts:inspection_book", args=[reservation.number]), {"place": "collection"}
    )

    assert response.status_code == 302
    inspection = Inspection.objects.get(reservation=reservation)
    assert (inspection.place, inspection.starts_at) == ("collection", reservation.starts_at)


def test_an_inspection_on_collection_is_refused_for_a_delivery():
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    address = AddressFactory(customer=customer)
    reservation = services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=(ReservationItem(model=model, quantity=1),),
            starts_at=_hour(30),
            ends_at=_hour(54),
            fulfilment="delivery",
            address=address,
            tier="basic",
        ),
        by=customer.user,
    )

    with pytest.raises(ApplicationError, match="自取"):
        services.inspection_book(reservation=reservation, place="collection", by=None)
    assert not Inspection.objects.exists()


def test_the_reservation_after_its_inspection_shows_accepted_released_and_contract_figures(
    client,
):
    model = EquipmentModelFactory(name="ThinkPad T14", day_rate=Decimal("60"))
    AssetFactory.create_batch(5, model=model)
    customer = CustomerFactory()
    reservation = _reserve(customer, model, 5, start=_hour(50), hours=48)
    services.inspection_book(reservation=reservation, place="collection", by=customer.user)
    held = list(reservation.lines.get().units.order_by("pk"))
    contract = services.inspection_record_outcome(
        reservation=reservation, accepted_unit_ids=[u.pk for u in held[:3]], by=None
    )
    client.force_login(customer.user)

    html = client.get(reverse("contracts:reservation_detail", args=[reservation.number]))
    text = html.content.decode()

    assert "看货之后" in text
    assert "ThinkPad T14 × 3" in text and "ThinkPad T14 × 2" in text
    assert f"合同 {contract.number}：3 台设备的租金" in text
    assert "¥360.00" in text  # 3 × 2 days × 60, the contract's rent
    assert "预订时的报价" in text and "¥600.00" in text  # the quote, as quoted (5 units)


def test_staff_find_a_customer_by_the_phone_as_displayed_or_with_plus_86(client):
    CustomerFactory(name="林小梅", phone="+8613859912345")
    CustomerFactory(name="别人", phone="+8613900001111")
    client.force_login(StaffFactory())

    for typed in ("138 5991 2345", "+86 138-5991-2345", "13859912345", "0086 13859912345"):
        page = client.get(reverse("contracts:staff_booking"), {"q": typed}).content.decode()
        assert "林小梅" in page, typed
        assert "别人" not in page, typed


def test_the_contract_desk_finds_a_contract_by_asset_tag_serial_or_phone(client):
    model = EquipmentModelFactory()
    [asset] = AssetFactory.create_batch(
        1, model=model, asset_tag="XSS-LT-0042", serial_number="PF3ABC12"
    )
    other = AssetFactory(model=model)
    customer = CustomerFactory(phone="+8613859912345")
    reservation = _reserve(customer, model, 2, start=_hour(50))
    services.inspection_book(reservation=reservation, place="collection", by=None)
    units = list(reservation.lines.get().units.all())
    contract = services.inspection_record_outcome(
        reservation=reservation, accepted_unit_ids=[u.pk for u in units], by=None
    )
    assert {u.asset_id for u in units} == {asset.pk, other.pk}
    client.force_login(StaffFactory())

    for typed in ("XSS-LT-0042", "xss-lt-0042", "PF3ABC12", "138 5991 2345"):
        page = client.get(reverse("contracts:desk_list"), {"q": typed}).content.decode()
        assert contract.number in page, typed
    nothing = client.get(reverse("contracts:desk_list"), {"q": "XSS-LT-9999"}).content.decode()
    assert contract.number not in nothing
    long = client.get(reverse("contracts:desk_list"), {"q": "x" * 101}).content.decode()
    assert "搜索内容太长" in long and contract.number not in long


def test_staff_hear_of_a_booked_inspection_and_customers_of_a_rejected_copy_with_the_reason():
    desk = StaffFactory(email="desk@xinsisuo.example", preferred_language="en")
    desk.groups.add(Group.objects.get(name=User.StaffGroup.FRONT_DESK))
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory(name="林小梅")
    reservation = _reserve(customer, model, 1, start=_hour(50))

    inspection = services.inspection_book(reservation=reservation, place="collection", by=None)

    [staff] = Notification.objects.filter(event="staff.inspection.booked")
    assert staff.key == f"inspection:{inspection.pk}:booked:staff"
    assert staff.recipient == desk.email and staff.language == "en"
    assert staff.subject == f"Inspection booked for {reservation.number} (林小梅)"
    assert "Please confirm it" in staff.body
    assert not Notification.objects.filter(event="staff.inspection.booked", user=customer.user)


def test_reserve_this_model_carries_the_checked_period_and_quantity(client):
    model = EquipmentModelFactory()
    AssetFactory.create_batch(3, model=model)
    customer = CustomerFactory()
    client.force_login(customer.user)
    start = _hour(72)
    end = start + timedelta(days=2)
    detail = client.get(
        reverse("catalog:model_detail", args=[model.slug]),
        {"start": f"{start:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}", "quantity": 3},
    ).content.decode()
    href = detail.split('data-testid="reserve"')[0].rsplit('href="', 1)[1].split('"')[0]
    href = href.replace("&amp;", "&")

    form = client.get(href).content.decode()

    assert f'value="{start:%Y-%m-%d}"' in form and f'value="{end:%Y-%m-%d}"' in form
    assert f'<option value="{start.hour}" selected>' in form
    assert 'name="quantity_0" value="3"' in form or 'value="3" name="quantity_0"' in form


def test_a_fresh_reservation_form_shows_a_hint_not_an_error(client):
    customer = CustomerFactory()
    client.force_login(customer.user)

    quote = client.post(reverse("contracts:reservation_quote"), {"start_date": ""})

    html = quote.content.decode()
    assert "选择型号和租期后即可看到报价" in html
    assert "请至少选择一个型号" not in html and "quote-error" not in html


def test_an_address_without_a_distance_gets_the_districts_estimate_and_the_quote_says_so(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    client.force_login(customer.user)

    client.post(
        reverse("contracts:address_add"),
        {"district": "huli", "line": "湖里区会展南路 198 号", "distance_km": ""},
    )
    [address] = customer.addresses.all()
    assert address.distance_km == Decimal("10.0")
    start = _hour(72)
    quote = client.post(
        reverse("contracts:reservation_quote"),
        {
            "model_0": model.pk,
            "quantity_0": 1,
            "start_date": f"{start:%Y-%m-%d}",
            "start_hour": start.hour,
            "end_date": f"{start + timedelta(days=2):%Y-%m-%d}",
            "end_hour": start.hour,
            "fulfilment": "delivery",
            "address": address.pk,
            "tier": "basic",
        },
    ).content.decode()

    assert "送货、取回费用按估算距离 10.0 公里计算" in quote
