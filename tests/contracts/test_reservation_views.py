import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import CalendarEntry
from contracts import services
from contracts.models import Reservation
from contracts.services import ReservationItem, ReservationRequest
from rental.core.timeutil import SHANGHAI
from tests.factories import (
    AssetFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
    TechnicianFactory,
)

pytestmark = pytest.mark.django_db


def _day(days: int):
    return (timezone.now().astimezone(SHANGHAI) + timedelta(days=days)).date()


@pytest.fixture
def reservation():
    model = EquipmentModelFactory()
    AssetFactory.create_batch(2, model=model)
    owner = CustomerFactory()
    start = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    return services.reservation_create(
        request=ReservationRequest(
            customer=owner,
            items=[ReservationItem(model=model, quantity=1)],
            starts_at=start + timedelta(days=3),
            ends_at=start + timedelta(days=5),
            fulfilment="collection",
            address=None,
            tier="basic",
        ),
        by=owner.user,
    )


def customer_urls(number):
    return [
        ("get", reverse("contracts:reservation_detail", args=[number])),
        ("get", reverse("contracts:inspection_book", args=[number])),
        ("post", reverse("contracts:inspection_book", args=[number])),
        ("post", reverse("contracts:inspection_cancel", args=[number])),
        ("post", reverse("contracts:reservation_cancel", args=[number])),
    ]


def test_another_customer_gets_404_on_every_reservation_url(client, reservation):
    client.force_login(CustomerFactory().user)

    for method, url in customer_urls(reservation.number):
        assert getattr(client, method)(url).status_code == 404, url

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.HELD
    assert CalendarEntry.objects.filter(is_active=True).count() == 1


def test_the_owner_sees_their_reservation_and_staff_see_it_on_the_console(client, reservation):
    client.force_login(reservation.customer.user)
    page = client.get(reverse("contracts:reservation_detail", args=[reservation.number]))
    assert page.status_code == 200
    assert reservation.number in page.content.decode()

    client.force_login(StaffFactory())
    page = client.get(reverse("contracts:staff_reservation", args=[reservation.number]))
    assert page.status_code == 200
    assert "预约看货" in page.content.decode()
    assert reservation.customer.name in page.content.decode()


def test_customers_and_technicians_cannot_open_staff_pages(client, reservation):
    for user in (reservation.customer.user, TechnicianFactory()):
        client.force_login(user)
        for url in (
            reverse("contracts:staff_board"),
            reverse("contracts:staff_reservation", args=[reservation.number]),
            reverse("contracts:staff_booking"),
        ):
            assert client.get(url).status_code == 403, url


def test_logged_out_visitors_are_sent_to_login(client, reservation):
    response = client.get(reverse("contracts:reservation_detail", args=[reservation.number]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_customer_lists_only_their_own_reservations(client, reservation):
    client.force_login(CustomerFactory().user)

    page = client.get(reverse("contracts:reservation_list")).content.decode()

    assert reservation.number not in page
    assert "您还没有预订" in page


def test_the_reservation_form_explains_a_period_in_the_past_and_holds_nothing(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    client.force_login(customer.user)

    response = client.post(
        reverse("contracts:reservation_new"),
        {
            "model_0": model.pk,
            "quantity_0": "1",
            "start_date": _day(-2),
            "start_hour": "9",
            "end_date": _day(1),
            "end_hour": "9",
            "fulfilment": "collection",
            "tier": "basic",
        },
    )

    assert response.status_code == 400
    assert "租期不能从过去的时间开始" in response.content.decode()
    assert not CalendarEntry.objects.exists()


def test_a_refused_form_shows_what_was_typed_escaped_with_the_error_in_chinese(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    client.force_login(CustomerFactory().user)
    typed = '2"><script>alert(1)</script>'

    response = client.post(
        reverse("contracts:reservation_new"),
        {
            "model_0": model.pk,
            "quantity_0": typed,
            "start_date": _day(2),
            "start_hour": "9",
            "end_date": _day(3),
            "end_hour": "9",
            "fulfilment": "collection",
            "tier": "basic",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "输入整数数量" in page
    assert "<script>alert(1)</script>" not in page
    assert 'value="2&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "租期" in page and "服务类别" in page  # the form's part, in Chinese
    assert not CalendarEntry.objects.exists()


def test_the_live_quote_shows_the_price_without_holding_anything(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    client.force_login(CustomerFactory().user)

    response = client.post(
        reverse("contracts:reservation_quote"),
        {
            "model_0": model.pk,
            "quantity_0": "1",
            "start_date": _day(2),
            "start_hour": "9",
            "end_date": _day(2),
            "end_hour": "12",
            "fulfilment": "collection",
            "tier": "basic",
        },
    )

    assert "¥15.00" in response.content.decode()  # 3 hours at 5 per hour
    assert not CalendarEntry.objects.exists()


def test_phone_booking_registers_a_company_with_a_checked_credit_code(client):
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:staff_booking"),
        {
            "kind": "company",
            "name": "厦门会展公司",
            "phone": "0592-5551234",
            "credit_code": "91350200MA2XXXXXX1",
        },
    )

    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode()


def test_the_form_starts_tomorrow_with_the_only_address_chosen(client):
    from tests.factories import AddressFactory

    customer = CustomerFactory()
    address = AddressFactory(customer=customer)
    client.force_login(customer.user)

    html = client.get(reverse("contracts:reservation_new")).content.decode()

    assert f'name="start_date" value="{_day(1).isoformat()}"' in html
    assert f'<option value="{address.pk}" selected>' in html


def test_the_live_quote_names_the_field_that_is_missing(client):
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    client.force_login(CustomerFactory().user)

    response = client.post(
        reverse("contracts:reservation_quote"),
        {
            "model_0": model.pk,
            "quantity_0": "1",
            "start_hour": "9",
            "end_date": _day(2),
            "end_hour": "12",
            "fulfilment": "collection",
            "tier": "basic",
        },
    )

    content = response.content.decode()
    assert "开始日期：" in content and "必填项" in content  # the field named, then why


def test_a_delivery_to_an_address_not_the_customers_own_is_refused_and_holds_nothing(client):
    from tests.factories import AddressFactory

    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    retired = AddressFactory(customer=customer, is_active=False)
    someone_elses = AddressFactory(line="别人的地址 1 号")
    client.force_login(customer.user)
    form = {
        "model_0": model.pk,
        "quantity_0": "1",
        "start_date": _day(2),
        "start_hour": "9",
        "end_date": _day(3),
        "end_hour": "18",
        "fulfilment": "delivery",
        "tier": "basic",
    }

    for address in (someone_elses, retired):
        response = client.post(
            reverse("contracts:reservation_new"), {**form, "address": address.pk}
        )

        assert response.status_code == 400
        assert "选择一个有效的选项" in response.content.decode()
    assert "别人的地址" not in response.content.decode()
    assert not Reservation.objects.exists()
    assert not CalendarEntry.objects.exists()


def test_a_customer_whose_addresses_are_all_retired_is_asked_to_add_one(client):
    from tests.factories import AddressFactory

    customer = CustomerFactory()
    AddressFactory(customer=customer, is_active=False)
    client.force_login(customer.user)

    html = client.get(reverse("contracts:reservation_new")).content.decode()

    assert "添加送货地址" in html
    # The retired address is not offered: the list holds only the prompt to choose.
    only_the_prompt = (
        r'<select name="address"[^>]*>\s*<option value="" selected>请选择地址</option>\s*</select>'
    )
    assert re.search(only_the_prompt, html)


def test_the_model_list_follows_the_catalogue_the_language_and_the_model_passed_on(client):
    customer = CustomerFactory()
    laptop = EquipmentModelFactory(name="ThinkPad T14", day_rate="30.00")
    other = EquipmentModelFactory(name="MacBook Air", day_rate="45.00")
    client.force_login(customer.user)
    url = reverse("contracts:reservation_new")

    by_slug = client.get(f"{url}?model={laptop.slug}").content.decode()
    assert f'<option value="{laptop.pk}" selected>' in by_slug
    assert "ThinkPad T14 · ¥30.00/天" in by_slug
    assert f'<option value="{other.pk}">' in by_slug

    laptop.day_rate = "32.50"
    laptop.save(update_fields=["day_rate"])
    by_id = client.get(f"{url}?model={other.pk}").content.decode()
    assert "ThinkPad T14 · ¥32.50/天" in by_id  # a new price shows on the next page
    assert f'<option value="{other.pk}" selected>' in by_id
    assert f'<option value="{laptop.pk}">' in by_id  # no longer chosen

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ThinkPad T14 · ¥32.50/day" in english
    assert "selected>" not in english.split('name="model_0"')[1].split("</select>")[0]
