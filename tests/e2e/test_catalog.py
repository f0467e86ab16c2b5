"""A customer browses the catalogue on a phone and checks a period; staff read a unit calendar."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import CalendarEntry
from rental.core.timeutil import SHANGHAI
from tests.conftest import screenshot
from tests.factories import (
    PASSWORD,
    AssetFactory,
    BrandFactory,
    CategoryFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    laptops = CategoryFactory(slug="laptops", name_zh="笔记本电脑", name_en="Laptops")
    projection = CategoryFactory(
        slug="projection", name_zh="投影设备", name_en="Projection equipment", position=5
    )
    lenovo = BrandFactory(slug="lenovo", name="Lenovo", name_zh="联想")
    epson = BrandFactory(slug="epson", name="Epson", name_zh="爱普生")
    thinkpad = EquipmentModelFactory(
        category=laptops,
        brand=lenovo,
        name="ThinkPad T14 Gen 4",
        slug="thinkpad-t14",
        summary_zh="商务办公主力机型，适合培训和项目组",
        specs={"cpu": "Intel Core i5-1335U", "ram_gb": 16, "storage": "512 GB SSD"},
    )
    projector = EquipmentModelFactory(
        category=projection,
        brand=epson,
        name="CB-2065",
        slug="cb-2065",
        summary_zh="5500 流明，会议室和展会都够亮",
        summary_en="5500 lumens: bright enough for meeting rooms and exhibitions",
        specs={"lumens": 5500, "resolution": "1024 × 768", "inputs": "HDMI × 2, VGA"},
        accessories=[
            {"zh": "电源线", "en": "Power cord"},
            {"zh": "遥控器", "en": "Remote control"},
            {"zh": "HDMI 线 (5 米)", "en": "HDMI cable (5 m)"},
        ],
        hour_rate=Decimal("30.00"),
        day_rate=Decimal("180.00"),
        week_rate=Decimal("900.00"),
        month_rate=Decimal("2400.00"),
    )
    for n in range(4):
        AssetFactory(model=thinkpad, asset_tag=f"XSS-L-{n:03d}")
    for n in range(3):
        AssetFactory(model=projector, asset_tag=f"XSS-P-{n:03d}")
    return {"thinkpad": thinkpad, "projector": projector}


def local_input(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_a_customer_finds_a_projector_and_checks_a_weekend_on_a_phone(phone_page, catalogue):
    page = phone_page
    page.goto(page.base_url + "/catalog/")
    assert page.locator("h1").inner_text() == "租赁设备"
    assert page.locator(".model-card").count() == 2
    screenshot(page, "catalog-list-zh-phone")

    page.locator(".chips").first.get_by_role("link", name="投影设备").click()
    page.wait_for_url("**/catalog/?category=projection")
    assert page.locator("h1").inner_text() == "投影设备"
    assert page.locator(".model-card").count() == 1

    page.get_by_role("link", name="CB-2065").click()
    assert page.locator("h1").inner_text() == "CB-2065"
    assert page.locator(".rates").inner_text().count("¥") == 4

    day = timezone.localdate() + timedelta(days=3)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)
    page.get_by_label("起租时间").fill(local_input(start))
    page.get_by_label("归还时间").fill(local_input(start + timedelta(days=2, hours=3)))
    page.get_by_label("数量").fill("2")
    page.get_by_role("button", name="查询").click()

    answer = page.locator(".answer")
    assert answer.locator(".free").inner_text() == "3台空闲"
    # 2 days and 3 hours: 2 × 180 + 3 × 30 = 450 a unit, 900 for two
    assert "¥450.00" in answer.inner_text()
    assert answer.locator("tr.total .amount").inner_text() == "¥900.00"
    assert "start=" in page.url and "quantity=2" in page.url  # the answer has a shareable link
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot with the sticky bar on top
    screenshot(page, "catalog-model-zh-phone")


def test_bad_input_is_explained_and_english_works_on_a_desktop(page, catalogue):
    page.goto(page.base_url + "/catalog/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("searchbox", name="Search").fill("i5-1335U")
    page.get_by_role("button", name="Search").click()
    assert page.locator(".model-card h2").all_inner_texts() == ["ThinkPad T14 Gen 4"]
    screenshot(page, "catalog-list-en-desktop")

    page.get_by_role("link", name="ThinkPad T14 Gen 4").click()
    assert page.locator("h1").inner_text() == "ThinkPad T14 Gen 4"

    day = timezone.localdate() + timedelta(days=2)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    page.get_by_label("From").fill(local_input(start))
    page.get_by_label("Until").fill(local_input(start - timedelta(hours=5)))
    page.get_by_role("button", name="Check").click()
    assert page.get_by_text("The end of the rental must be after its start.").is_visible()
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot with the sticky bar on top
    screenshot(page, "catalog-model-en-error")

    services.calendar_place(
        model=catalogue["thinkpad"],
        quantity=4,
        starts_at=start,
        ends_at=start + timedelta(days=1),
        kind=CalendarEntry.Kind.HOLD,
    )
    page.get_by_label("Until").fill(local_input(start + timedelta(days=1)))
    page.get_by_role("button", name="Check").click()
    answer = page.locator(".answer")
    assert answer.locator(".free").inner_text() == "0 units free"
    assert "1 unit is free for a period this long from" in answer.inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot with the sticky bar on top
    screenshot(page, "catalog-model-en-desktop")


def test_staff_see_the_unit_calendar(page, catalogue):
    StaffFactory(username="cangku", is_superuser=True)
    thinkpad = catalogue["thinkpad"]
    day = timezone.localdate() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)
    services.calendar_place(
        model=thinkpad,
        quantity=2,
        starts_at=start,
        ends_at=start + timedelta(days=5),
        kind=CalendarEntry.Kind.RENTAL,
        note="软件园培训",
    )
    services.calendar_place(
        model=thinkpad,
        quantity=1,
        starts_at=start + timedelta(days=8),
        ends_at=start + timedelta(days=10),
        kind=CalendarEntry.Kind.HOLD,
    )

    page.goto(page.base_url + "/console/login/?next=/console/catalog/equipmentmodel/")
    page.locator("#id_username").fill("cangku")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="设备日程").first.click()

    assert page.locator(".cal-row").count() == 4
    assert page.locator(".bar.kind-rental").count() == 2
    assert page.locator(".bar.kind-hold").count() == 1
    screenshot(page, "catalog-admin-calendar")
