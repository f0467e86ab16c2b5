"""The public catalogue through the API: the same models, rates and availability as the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import CalendarEntry
from catalog.selectors import blocked_range
from tests.api.helpers import Api
from tests.factories import AssetFactory, BrandFactory, CategoryFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db


def _tomorrow_9():
    now = timezone.localtime()
    return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def laptop():
    model = EquipmentModelFactory(
        name="ThinkPad T14",
        slug="thinkpad-t14",
        category=CategoryFactory(slug="laptops", name_zh="笔记本电脑", name_en="Laptops"),
        brand=BrandFactory(slug="lenovo", name="Lenovo", name_zh="联想"),
        hour_rate=Decimal("5"),
        day_rate=Decimal("30"),
        week_rate=Decimal("150"),
        month_rate=Decimal("400"),
    )
    AssetFactory.create_batch(2, model=model)
    return model


def test_models_are_listed_with_rate_cards_and_filtered_by_category(laptop):
    EquipmentModelFactory(name="Other", slug="other")
    EquipmentModelFactory(name="Hidden", slug="hidden", is_active=False)

    everything = Api().get("catalogue/models/").json()
    laptops = Api(language="en").get("catalogue/models/", {"category": "laptops"}).json()

    assert everything["count"] == 2
    assert laptops["count"] == 1
    (row,) = laptops["results"]
    assert row["slug"] == "thinkpad-t14"
    assert row["title"] == "Lenovo ThinkPad T14"
    assert row["category"] == "laptops" and row["brand"] == "lenovo"
    assert row["rates"] == {"hour": "5.00", "day": "30.00", "week": "150.00", "month": "400.00"}
    assert row["from_price_per_day"] == "13.33"
    assert row["accessory_list"] == ["Power adapter"]
    assert row["spec_list"][0]["key"] == "cpu"


def test_categories_are_named_in_the_requested_language(laptop):
    chinese = Api().get("catalogue/categories/laptops/").json()
    english = Api(language="en").get("catalogue/categories/laptops/").json()

    assert chinese["name"] == "笔记本电脑"
    assert english["name"] == "Laptops"


def test_a_repeated_read_with_the_etag_is_304_and_a_change_gives_a_new_tag(laptop):
    first = Api().get("catalogue/models/thinkpad-t14/")
    again = Api().client.get(
        "/api/v1/catalogue/models/thinkpad-t14/", headers={"If-None-Match": first["ETag"]}
    )
    laptop.day_rate = Decimal("35")
    laptop.save()
    changed = Api().client.get(
        "/api/v1/catalogue/models/thinkpad-t14/", headers={"If-None-Match": first["ETag"]}
    )

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_availability_gives_free_units_and_the_rent_explained(laptop):
    start = _tomorrow_9()
    end = start + timedelta(days=9)
    unit = laptop.assets.first()
    CalendarEntry.objects.create(
        asset=unit,
        kind="hold",
        starts_at=start,
        ends_at=end,
        blocked=blocked_range(start, end, timedelta(hours=2)),
    )

    response = Api(language="en").get(
        "catalogue/models/thinkpad-t14/availability/",
        {"start": start.isoformat(), "end": end.isoformat(), "quantity": 2},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["free"], body["quantity"], body["enough"]) == (1, 2, False)
    assert body["rent_per_unit"] == "210.00"
    assert body["total"] == "420.00"
    assert [line["amount"] for line in body["rent_lines"]] == ["150.00", "60.00"]
    assert body["next_free_at"] is not None


def test_availability_for_a_past_period_names_the_field(laptop):
    start = _tomorrow_9() - timedelta(days=3)

    response = Api(language="en").get(
        "catalogue/models/thinkpad-t14/availability/",
        {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"start": ["The rental cannot start in the past."]}


def test_an_unknown_model_is_a_404():
    response = Api().get("catalogue/models/none-such/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
