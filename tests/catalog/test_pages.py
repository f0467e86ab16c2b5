"""The public catalogue pages and the staff console pages of the catalogue."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import Asset, CalendarEntry, ModelPhoto
from rental.core import policy
from rental.core.timeutil import SHANGHAI
from tests.factories import (
    AssetFactory,
    BrandFactory,
    CategoryFactory,
    EquipmentModelFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptops():
    return CategoryFactory(slug="laptops", name_zh="笔记本电脑", name_en="Laptops", position=0)


@pytest.fixture
def projectors():
    return CategoryFactory(slug="projection", name_zh="投影设备", name_en="Projectors", position=5)


@pytest.fixture
def thinkpad(laptops):
    model = EquipmentModelFactory(
        category=laptops,
        brand=BrandFactory(slug="lenovo", name="Lenovo", name_zh="联想"),
        name="ThinkPad T14",
        slug="thinkpad-t14",
        summary_zh="商务办公主力机型",
        summary_en="A dependable business laptop",
        specs={"cpu": "Intel Core i7-1365U", "ram_gb": 16, "screen_in": 14},
        accessories=[{"zh": "电源适配器", "en": "Power adapter"}],
        hour_rate=Decimal("5.00"),
        day_rate=Decimal("30.00"),
        week_rate=Decimal("150.00"),
        month_rate=Decimal("400.00"),
    )
    for n in range(3):
        AssetFactory(model=model, asset_tag=f"XSS-L-{n:03d}", serial_number=f"PF-{n:04d}")
    AssetFactory(model=model, service_status=Asset.ServiceStatus.IN_REPAIR)
    return model


@pytest.fixture
def projector(projectors):
    return EquipmentModelFactory(
        category=projectors,
        brand=BrandFactory(slug="epson", name="Epson", name_zh="爱普生"),
        name="CB-2065",
        slug="cb-2065",
        specs={"lumens": 5500, "resolution": "1024 × 768"},
        day_rate=Decimal("180.00"),
    )


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def tomorrow_at(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def local(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def check(client, model, *, start, end, quantity=1):
    url = reverse("catalog:model_detail", args=[model.slug])
    return client.get(url, {"start": local(start), "end": local(end), "quantity": quantity})


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_models_in_chinese_with_their_from_price(client, thinkpad, projector):
    response = client.get(reverse("catalog:model_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "ThinkPad T14" in html
    assert "CB-2065" in html
    assert "联想" in html and "笔记本电脑" in html
    # a month of 400 is the cheapest day: 400 / 30
    assert "¥13.33" in html
    assert "租赁设备" in html


def test_list_in_english(client, thinkpad):
    html = english(client).get(reverse("catalog:model_list")).content.decode()

    assert "Equipment for rent" in html
    assert "Lenovo · Laptops" in html
    assert "from <strong>¥13.33</strong> a day" in html
    assert "Intel Core i7-1365U · 16 GB · 14 inch" in html


def test_list_filters_by_category_and_brand(client, thinkpad, projector):
    html = client.get(reverse("catalog:model_list"), {"category": "projection"}).content.decode()
    assert "CB-2065" in html
    assert "ThinkPad T14" not in html

    html = client.get(reverse("catalog:model_list"), {"brand": "lenovo"}).content.decode()
    assert "ThinkPad T14" in html
    assert "CB-2065" not in html


def test_an_unknown_filter_value_is_ignored(client, thinkpad, projector):
    response = client.get(reverse("catalog:model_list"), {"category": "nope", "page": "x"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "ThinkPad T14" in html and "CB-2065" in html


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("i7", "ThinkPad T14", "CB-2065"),
        ("5500", "CB-2065", "ThinkPad T14"),
        ("thinkpad", "ThinkPad T14", "CB-2065"),
        ("爱普生", "CB-2065", "ThinkPad T14"),
        ("商务", "ThinkPad T14", "CB-2065"),
    ],
)
def test_search_by_name_brand_and_spec_text(client, thinkpad, projector, query, found, not_found):
    html = client.get(reverse("catalog:model_list"), {"q": query}).content.decode()

    assert found in html
    assert not_found not in html


def test_search_without_a_match_says_so(client, thinkpad):
    html = english(client).get(reverse("catalog:model_list"), {"q": "xyzzy"}).content.decode()

    assert "No equipment matches" in html
    assert "ThinkPad T14" not in html


def test_inactive_models_are_not_listed_and_have_no_page(client, thinkpad):
    thinkpad.is_active = False
    thinkpad.save()

    assert "ThinkPad T14" not in client.get(reverse("catalog:model_list")).content.decode()
    assert client.get(reverse("catalog:model_detail", args=[thinkpad.slug])).status_code == 404


def _models_with_photos(count: int) -> None:
    categories = [CategoryFactory(slug=f"cat-{n}") for n in range(3)]
    for n in range(count):
        model = EquipmentModelFactory(category=categories[n % 3])
        ModelPhoto.objects.create(model=model, image=f"catalog/models/{model.pk}/front.jpg")
        AssetFactory(model=model)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("catalog:model_list"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_number_of_queries_for_5_or_25_models(client):
    _models_with_photos(5)
    with_5 = _list_queries(client)
    _models_with_photos(20)
    with_25 = _list_queries(client)

    assert with_5 == with_25
    assert with_25 <= 6


def test_the_list_shows_a_photo_or_a_placeholder(client, thinkpad, projector):
    ModelPhoto.objects.create(model=thinkpad, image="catalog/models/front.jpg")

    html = client.get(reverse("catalog:model_list")).content.decode()

    assert 'src="/media/catalog/models/front.jpg"' in html
    assert html.count('aria-hidden="true"') >= 1  # the projector's drawing


# --- the model page ---------------------------------------------------------------------------


def test_model_page_in_chinese_shows_rates_specs_and_accessories(client, thinkpad):
    response = client.get(reverse("catalog:model_detail", args=[thinkpad.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>ThinkPad T14</h1>" in html
    assert "商务办公主力机型" in html
    for price in ("¥5.00", "¥30.00", "¥150.00", "¥400.00"):
        assert price in html
    assert "处理器" in html and "Intel Core i7-1365U" in html
    assert "16 GB" in html
    assert "14 英寸" in html
    assert "电源适配器" in html


def test_model_page_in_english(client, thinkpad):
    html = english(client).get(reverse("catalog:model_detail", args=[thinkpad.slug]))
    html = html.content.decode()

    assert "A dependable business laptop" in html
    assert "Per week (7 days)" in html
    assert '<th scope="row">Processor</th><td>Intel Core i7-1365U</td>' in html
    assert '<th scope="row">Memory</th><td>16 GB</td>' in html
    assert "Power adapter" in html
    assert "电源适配器" not in html


def test_the_model_page_suggests_a_period_without_checking_it(client, thinkpad):
    html = english(client).get(reverse("catalog:model_detail", args=[thinkpad.slug]))
    html = html.content.decode()

    assert f'value="{local(tomorrow_at(9))}"' in html
    assert "units free" not in html


def test_availability_shows_free_units_and_the_rent_with_its_lines(client, thinkpad):
    start = tomorrow_at(9)

    response = check(english(client), thinkpad, start=start, end=start + timedelta(days=9))

    html = response.content.decode()
    assert "3 units free" in html  # the unit in repair is never offered
    assert "1 × week at ¥150.00" in html
    assert "2 × day at ¥30.00" in html
    assert "¥210.00" in html


def test_availability_for_several_units_multiplies_the_rent(client, thinkpad):
    start = tomorrow_at(9)

    html = check(client, thinkpad, start=start, end=start + timedelta(hours=3), quantity=2)
    html = html.content.decode()

    assert "3台空闲" in html
    assert "¥15.00" in html  # 3 hours at 5 for one unit
    assert "¥30.00" in html  # and for two


def test_when_too_few_are_free_the_page_says_when_enough_will_be(client, thinkpad):
    start = tomorrow_at(9)
    end = start + timedelta(days=2)
    services.calendar_place(
        model=thinkpad,
        quantity=3,
        starts_at=start,
        ends_at=end,
        kind=CalendarEntry.Kind.HOLD,
    )

    html = check(english(client), thinkpad, start=start, end=end, quantity=2).content.decode()

    assert "0 units free" in html
    # free again once the holds end and two 2 h turnaround buffers (theirs and ours) have passed
    expected = (end + timedelta(hours=4)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"2 units are free for a period this long from {expected}." in html


def test_asking_for_more_units_than_exist(client, thinkpad):
    start = tomorrow_at(9)

    html = check(english(client), thinkpad, start=start, end=start + timedelta(days=1), quantity=9)
    html = html.content.decode()

    assert "3 units free" in html
    assert "We do not have 9 units of this model in service" in html


@pytest.mark.parametrize(
    ("params", "english_message", "chinese_message"),
    [
        (
            {"start": "+2d", "end": "+1d"},
            "The end of the rental must be after its start.",
            "租期结束时间必须晚于开始时间。",
        ),
        (
            {"start": "-1d", "end": "+1d"},
            "The rental cannot start in the past.",
            "租期不能从过去的时间开始。",
        ),
        (
            {"start": "+1d", "end": "+2d", "quantity": "0"},
            "The quantity must be at least 1.",
            "数量至少为1。",
        ),
        (
            {"start": "+1d", "end": "+2d", "quantity": "-3"},
            "The quantity must be at least 1.",
            "数量至少为1。",
        ),
        (
            {"start": "tomorrow", "end": "+2d"},
            "Enter the start as a date and time, e.g. 2025-06-01 09:00.",
            "请按“2025-06-01 09:00”的格式填写开始时间。",
        ),
        (
            {"start": "+1d30m", "end": "+2d"},
            "Rentals start and end on the hour.",
            "租期须在整点开始和结束。",
        ),
        (
            {"start": "+1d", "end": "+400d"},
            "A period longer than a year is a long-term rental: please call us.",
            "超过一年的租期属于长期租赁，请来电咨询。",
        ),
    ],
)
def test_bad_input_is_explained_in_the_users_language(
    client, thinkpad, params, english_message, chinese_message
):
    base = tomorrow_at(9) - timedelta(days=1)

    def when(spec: str) -> str:
        if not spec.startswith(("+", "-")):
            return spec
        sign = -1 if spec[0] == "-" else 1
        days, _, rest = spec[1:].partition("d")
        minutes = int(rest.rstrip("m") or 0)
        return local(base + sign * timedelta(days=int(days), minutes=minutes))

    query = {"quantity": params.get("quantity", "1")}
    query["start"], query["end"] = when(params["start"]), when(params["end"])
    url = reverse("catalog:model_detail", args=[thinkpad.slug])

    chinese = client.get(url, query).content.decode()
    assert chinese_message in chinese
    assert "台空闲" not in chinese  # no answer is given for a bad question

    english_html = english(client).get(url, query).content.decode()
    assert english_message in english_html


def test_a_shared_link_with_missing_fields_asks_for_them(client, thinkpad):
    url = reverse("catalog:model_detail", args=[thinkpad.slug])

    html = english(client).get(url, {"quantity": "2"}).content.decode()

    assert "Choose when the rental starts." in html
    assert "Choose when the rental ends." in html


def test_the_model_page_runs_a_fixed_number_of_queries(client, thinkpad):
    policy.current()  # the house policy row exists in any running system
    start = tomorrow_at(9)
    with CaptureQueriesContext(connection) as queries:
        check(client, thinkpad, start=start, end=start + timedelta(days=1))

    # the model, its photos, the policy (turnaround buffer) and the free count
    assert len(queries) == 4, [q["sql"] for q in queries]


# --- the console --------------------------------------------------------------------------------


def console_urls(model, asset):
    return [
        reverse("admin:catalog_equipmentmodel_changelist"),
        reverse("admin:catalog_equipmentmodel_change", args=[model.pk]),
        reverse("admin:catalog_equipmentmodel_add"),
        reverse("admin:catalog_equipmentmodel_calendar", args=[model.pk]),
        reverse("admin:catalog_asset_changelist"),
        reverse("admin:catalog_asset_change", args=[asset.pk]),
        reverse("admin:catalog_asset_import"),
        reverse("admin:catalog_category_changelist"),
        reverse("admin:catalog_brand_changelist"),
        reverse("admin:catalog_depot_changelist"),
        reverse("admin:catalog_calendarentry_changelist"),
    ]


def test_console_pages_load_for_staff(client, thinkpad):
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    asset = thinkpad.assets.first()

    for url in console_urls(thinkpad, asset):
        assert client.get(url).status_code == 200, url


def test_console_pages_are_refused_to_customers_and_to_staff_without_permission(client, thinkpad):
    asset = thinkpad.assets.first()
    urls = console_urls(thinkpad, asset)

    client.force_login(UserFactory())
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url

    client.force_login(StaffFactory(groups=[]))  # staff, but given no permission on the catalogue
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_the_unit_calendar_shows_each_unit_and_its_bookings(client, thinkpad):
    start = tomorrow_at(9)
    services.calendar_place(
        model=thinkpad,
        quantity=1,
        starts_at=start,
        ends_at=start + timedelta(days=3),
        kind=CalendarEntry.Kind.RENTAL,
        note="厦门国际会展中心",
    )
    client.force_login(StaffFactory(is_superuser=True))

    html = english(client).get(reverse("admin:catalog_equipmentmodel_calendar", args=[thinkpad.pk]))
    html = html.content.decode()

    for asset in thinkpad.assets.all():
        assert asset.asset_tag in html
    assert html.count('class="bar kind-rental"') == 1
    assert "厦门国际会展中心" in html
    assert "In repair" in html


def test_the_model_list_in_the_console_links_to_the_calendar(client, thinkpad):
    client.force_login(StaffFactory(is_superuser=True))

    html = client.get(reverse("admin:catalog_equipmentmodel_changelist")).content.decode()

    assert reverse("admin:catalog_equipmentmodel_calendar", args=[thinkpad.pk]) in html


def test_staff_mark_units_in_repair_through_the_action(client, thinkpad):
    client.force_login(StaffFactory(is_superuser=True))
    assets = list(thinkpad.assets.filter(service_status=Asset.ServiceStatus.IN_SERVICE)[:2])

    response = client.post(
        reverse("admin:catalog_asset_changelist"),
        {"action": "mark_in_repair", "_selected_action": [a.pk for a in assets]},
        follow=True,
    )

    assert response.status_code == 200
    for asset in assets:
        asset.refresh_from_db()
        assert asset.service_status == Asset.ServiceStatus.IN_REPAIR


def test_a_retired_unit_is_not_brought_back_by_the_action(client, thinkpad):
    client.force_login(StaffFactory(is_superuser=True))
    asset = thinkpad.assets.first()
    services.asset_set_service_status(asset=asset, status=Asset.ServiceStatus.RETIRED)

    response = english(client).post(
        reverse("admin:catalog_asset_changelist"),
        {"action": "mark_in_service", "_selected_action": [asset.pk]},
        follow=True,
    )

    asset.refresh_from_db()
    assert asset.service_status == Asset.ServiceStatus.RETIRED
    assert f"{asset.asset_tag}: A retired unit cannot be put back" in response.content.decode()


def test_the_console_refuses_unknown_spec_keys(client, thinkpad):
    client.force_login(StaffFactory(is_superuser=True))
    url = reverse("admin:catalog_equipmentmodel_change", args=[thinkpad.pk])
    data = {
        "category": thinkpad.category_id,
        "brand": thinkpad.brand_id,
        "name": thinkpad.name,
        "slug": thinkpad.slug,
        "is_active": "on",
        "specs": '{"cpu": "i5", "colour": "black"}',
        "accessories": "[]",
        "hour_rate": "5",
        "day_rate": "30",
        "week_rate": "150",
        "month_rate": "400",
        "replacement_value": "6000",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
    }

    response = english(client).post(url, data)

    assert response.status_code == 200
    assert "Unknown specification keys: colour." in response.content.decode()
    thinkpad.refresh_from_db()
    assert thinkpad.specs == {"cpu": "Intel Core i7-1365U", "ram_gb": 16, "screen_in": 14}
