"""The customer's main path in a real browser: reserve two models, book the inspection; staff
accept one line and decline the other; the declined units are free again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog import selectors
from contracts.models import Reservation
from rental.core.timeutil import SHANGHAI
from tests.conftest import login, screenshot
from tests.factories import (
    AssetFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reserve_inspect_accept_one_line_decline_the_other(browser, live_server):
    user = UserFactory(username="zhang")
    CustomerFactory(user=user, name="张伟")
    laptop = EquipmentModelFactory(name="ThinkPad T14", day_rate=Decimal("60"))
    projector = EquipmentModelFactory(name="VPL-EX570 投影机", day_rate=Decimal("100"))
    AssetFactory.create_batch(2, model=laptop)
    AssetFactory.create_batch(2, model=projector)
    StaffFactory(username="desk")
    start_day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()

    customer_ctx = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = customer_ctx.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    login(page, "zhang")

    page.goto(live_server.url + "/reservations/new/")
    page.locator("select[name=model_0]").select_option(str(laptop.pk))
    page.get_by_role("button", name="+ 再添加一个型号").click()
    page.locator("select[name=model_1]").select_option(str(projector.pk))
    page.locator("input[name=start_date]").fill(start_day.isoformat())
    page.locator("select[name=start_hour]").select_option("9")
    page.locator("input[name=end_date]").fill((start_day + timedelta(days=2)).isoformat())
    page.locator("select[name=end_hour]").select_option("9")
    page.get_by_label("到办公室自取").check()
    # Two days of the laptop (2 × 60) and a week of the projector, cheaper than two days at 100
    # (its week rate is 150); no trips when collecting.
    page.get_by_test_id("quote-total").filter(has_text="¥270.00").wait_for()
    assert page.locator("select[name=address]").is_hidden()
    screenshot(page, "reserve-form-quote")
    page.get_by_role("button", name="预订并保留设备").click()

    page.get_by_test_id("status").filter(has_text="已保留").wait_for()
    reservation = Reservation.objects.get()
    assert reservation.lines.count() == 2

    page.get_by_role("link", name="预约看货").click()
    page.locator("label.slot:not(.full)").first.click()
    page.get_by_role("button", name="预约", exact=True).click()
    page.get_by_test_id("inspection").wait_for()
    assert "展厅" in page.get_by_test_id("inspection").inner_text()
    screenshot(page, "reservation-inspection-booked")

    staff_ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = staff_ctx.new_page()
    desk.set_default_timeout(15_000)
    desk.base_url = live_server.url
    login(desk, "desk")
    desk.goto(f"{live_server.url}/staff/reservations/{reservation.number}/")
    outcome = desk.get_by_test_id("outcome")
    for box in outcome.locator("input[type=checkbox]").all():
        if "VPL-EX570" in box.locator("xpath=..").inner_text():
            box.uncheck()
    outcome.locator("textarea[name=reason]").fill("投影机亮度不够")
    screenshot(desk, "staff-outcome")
    desk.get_by_role("button", name="记录结果").click()
    desk.get_by_text("草稿合同").first.wait_for()

    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.ACCEPTED
    period = {"starts_at": reservation.starts_at, "ends_at": reservation.ends_at}
    assert selectors.free_assets(model=projector, **period).count() == 2
    assert selectors.free_assets(model=laptop, **period).count() == 1
    assert reservation.contract.units.get().model == laptop

    page.reload()
    page.get_by_test_id("status").filter(has_text="已接受").wait_for()
    customer_ctx.close()
    staff_ctx.close()


def test_a_refused_reservation_shows_the_form_again_with_what_was_asked_and_when_units_free_up(
    page,
):
    """The units are taken: the customer reads how many are free and from when enough are, in
    their language, on the form as they filled it (the lists the page draws itself included)."""
    laptop = EquipmentModelFactory(name="ThinkPad T14", day_rate=Decimal("60"))
    EquipmentModelFactory(name="VPL-EX570 投影机", day_rate=Decimal("100"))
    AssetFactory.create_batch(2, model=laptop)
    CustomerFactory(user=UserFactory(username="li"), name="李娜")
    start_day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()
    login(page, "li")

    def reserve(quantity: int) -> None:
        page.goto(page.base_url + "/reservations/new/")
        page.locator("select[name=model_0]").select_option(str(laptop.pk))
        page.locator("input[name=quantity_0]").fill(str(quantity))
        page.locator("input[name=start_date]").fill(start_day.isoformat())
        page.locator("select[name=start_hour]").select_option("9")
        page.locator("input[name=end_date]").fill((start_day + timedelta(days=1)).isoformat())
        page.locator("select[name=end_hour]").select_option("18")
        page.locator("input[name=fulfilment][value=collection]").check()
        page.locator("#reserve-form button[type=submit]").click()

    reserve(1)
    page.get_by_test_id("status").wait_for()
    reserve(2)  # one unit is left

    alert = page.locator(".errors[role=alert]")
    # The booking ends at 18:00 and keeps its unit 2 h more; the new one needs its own 2 h before.
    next_start = (start_day + timedelta(days=1)).isoformat() + " 22:00"
    assert alert.inner_text() == (
        f"您要的 2 台 {laptop} 中只有 1 台空闲。从 {next_start} 起有 2 台可以租用相同时长。"
    )
    assert page.locator("select[name=model_0]").input_value() == str(laptop.pk)
    assert page.locator("input[name=quantity_0]").input_value() == "2"
    assert page.locator("select[name=start_hour]").input_value() == "9"
    assert page.locator("select[name=end_hour]").input_value() == "18"
    assert page.locator("select[name=model_0] optgroup option").count() == 2
    screenshot(page, "reserve-refused-zh")

    page.get_by_role("button", name="English").click()
    reserve(2)
    assert page.locator(".errors[role=alert]").inner_text() == (
        f"Only 1 of the 2 units of {laptop} you asked for are free. 2 units are free for the"
        f" same length of time from {next_start}."
    )
    assert page.locator("select[name=end_hour] option[selected]").inner_text() == "18:00"
    screenshot(page, "reserve-refused-en")
    assert Reservation.objects.count() == 1
