"""Issue 14's journeys in a real browser: a new customer signs up, verifies and reserves; a
collection starting within the hour books its inspection; the pages look right in both languages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Inspection, Reservation
from rental.accounts.models import User
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from tests.conftest import login, screenshot
from tests.factories import (
    AssetFactory,
    CategoryFactory,
    CustomerFactory,
    EquipmentModelFactory,
    UserFactory,
    make_resident_id,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sms_code(purpose: str = "verify") -> str:
    sms = Notification.objects.filter(event=f"account.{purpose}", channel="sms").latest("pk")
    return re.search(r"\d{6}", sms.body).group(0)


def test_a_new_customer_signs_up_verifies_and_reserves(phone_page):
    page = phone_page
    laptop = EquipmentModelFactory(name="ThinkPad T14", day_rate=Decimal("60"))
    AssetFactory.create_batch(2, model=laptop)
    start_day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()

    page.goto(page.base_url + "/")
    page.locator("p.cta").get_by_role("link", name="注册").click()
    page.get_by_label("个人").check()
    page.get_by_label("名称（单位全称或您的姓名）").fill("林小梅")
    page.get_by_label("手机号码").fill("138 5991 2345")
    page.get_by_label("电子邮件").fill("lin@example.com")
    page.locator("input[name=password1]").fill("短")
    page.locator("input[name=password2]").fill("短")
    page.get_by_role("button", name="创建账户").click()
    # A too-short password is refused with the rule, and nothing is created.
    page.locator(".field.has-error").first.wait_for()
    assert "密码太短，至少需要 8 个字符。" in page.locator(".field.has-error").first.inner_text()
    assert User.objects.count() == 0
    screenshot(page, "signup-error-zh")

    page.locator("input[name=password1]").fill("海边-kite-2026")
    page.locator("input[name=password2]").fill("海边-kite-2026")
    page.get_by_role("button", name="创建账户").click()
    page.get_by_test_id("verify-sent").wait_for()
    assert "138 5991 2345" in page.get_by_test_id("verify-sent").inner_text()
    screenshot(page, "signup-verify-zh")

    # Reserving before the code is entered leads back to the code page.
    page.goto(page.base_url + "/reservations/new/")
    page.get_by_test_id("verify-sent").wait_for()
    page.get_by_label("验证码").fill(_sms_code())
    page.get_by_role("button", name="确认", exact=True).click()

    # The profile flow continues with what sign-up already knows.
    page.locator("input[name=name]").wait_for()
    assert page.locator("input[name=name]").input_value() == "林小梅"
    page.locator("input[name=resident_id]").fill(make_resident_id(7))
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="预订设备").click()

    page.locator("select[name=model_0]").select_option(str(laptop.pk))
    page.locator("input[name=start_date]").fill(start_day.isoformat())
    page.locator("select[name=start_hour]").select_option("9")
    page.locator("input[name=end_date]").fill((start_day + timedelta(days=2)).isoformat())
    page.locator("select[name=end_hour]").select_option("9")
    page.get_by_label("到办公室自取").check()
    page.get_by_test_id("quote-total").filter(has_text="¥120.00").wait_for()
    page.get_by_role("button", name="预订并保留设备").click()
    page.get_by_test_id("status").filter(has_text="已保留").wait_for()
    assert page.get_by_test_id("period-words").inner_text() == "(2 天)"
    screenshot(page, "signup-reserved-zh")

    reservation = Reservation.objects.get()
    assert reservation.customer.user.username == "13859912345"
    assert reservation.customer.name == "林小梅"


def test_a_collection_starting_within_the_hour_books_its_inspection(page):
    laptop = EquipmentModelFactory(name="ThinkPad T14")
    AssetFactory(model=laptop)
    customer = CustomerFactory(user=UserFactory(username="quick"))
    now = timezone.now().astimezone(SHANGHAI)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    login(page, "quick")

    page.goto(page.base_url + f"/reservations/new/?model={laptop.pk}")
    page.locator("input[name=start_date]").fill(start.date().isoformat())
    page.locator("select[name=start_hour]").select_option(str(start.hour))
    end = start + timedelta(hours=1)
    page.locator("input[name=end_date]").fill(end.date().isoformat())
    page.locator("select[name=end_hour]").select_option(str(end.hour))
    page.get_by_label("到办公室自取").check()
    page.get_by_test_id("quote-total").wait_for()
    page.get_by_role("button", name="预订并保留设备").click()
    page.get_by_test_id("status").filter(has_text="已保留").wait_for()
    assert page.get_by_test_id("period-words").inner_text() == "(1 小时)"

    page.get_by_role("link", name="预约看货").click()
    # Only the choice that can work is offered, and it is chosen already.
    assert page.locator("input[name=place]").count() == 1
    assert page.get_by_label("到办公室自取时当场看货").is_checked()
    assert page.locator("label.slot").count() == 0
    screenshot(page, "collection-inspection-zh")
    page.get_by_role("button", name="预约", exact=True).click()
    page.get_by_test_id("inspection").wait_for()
    assert "到办公室自取时当场看货" in page.get_by_test_id("inspection").inner_text()

    inspection = Inspection.objects.get(reservation__customer=customer)
    assert inspection.place == "collection"
    assert inspection.starts_at == start


def test_error_pages_and_search_in_both_languages(page):
    projection = CategoryFactory(
        slug="projection", name_zh="投影设备", name_en="Projection equipment"
    )
    EquipmentModelFactory(name="VPL-EX570", category=projection)
    EquipmentModelFactory(name="ThinkPad T14")
    CustomerFactory(user=UserFactory(username="curious"))
    login(page, "curious")

    page.goto(page.base_url + "/staff/reservations/")
    assert page.get_by_test_id("error-page").locator("h1").inner_text() == "此页面不对您的账户开放"
    screenshot(page, "error-403-zh")
    page.goto(page.base_url + "/no/such/page/")
    assert page.get_by_test_id("error-page").locator("h1").inner_text() == "找不到这个页面"
    screenshot(page, "error-404-zh")
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(page.base_url + "/")

    page.goto(page.base_url + "/catalog/?q=投影仪")
    page.get_by_role("link", name=re.compile("VPL-EX570")).first.wait_for()
    assert page.get_by_text("ThinkPad T14").count() == 0
    screenshot(page, "search-projector-zh")

    page.get_by_role("button", name="English").click()
    page.goto(page.base_url + "/staff/reservations/")
    assert page.get_by_test_id("error-page").locator("h1").inner_text() == (
        "This page is not for your account"
    )
    screenshot(page, "error-403-en")
    page.goto(page.base_url + "/no/such/page/")
    assert page.get_by_test_id("error-page").locator("h1").inner_text() == (
        "We could not find this page"
    )
    screenshot(page, "error-404-en")


def test_the_desk_reads_special_terms_by_meaning_and_histories_in_sentences(page):
    from contracts import services
    from contracts.services import ReservationItem, ReservationRequest
    from tests.factories import StaffFactory

    laptop = EquipmentModelFactory(name="ThinkPad T14")
    AssetFactory(model=laptop)
    customer = CustomerFactory()
    start = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    reservation = services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=(ReservationItem(model=laptop, quantity=1),),
            starts_at=start + timedelta(days=2),
            ends_at=start + timedelta(days=4),
            fulfilment="collection",
            address=None,
            tier="rapid",
        ),
        by=customer.user,
    )
    services.inspection_book(reservation=reservation, place="collection", by=customer.user)
    unit = reservation.lines.get().units.get()
    contract = services.inspection_record_outcome(
        reservation=reservation, accepted_unit_ids=[unit.pk], by=None
    )
    StaffFactory(username="desk", first_name="娜", last_name="李")
    login(page, "desk")

    page.goto(page.base_url + f"/staff/contracts/{contract.number}/")
    terms = page.get_by_test_id("terms")
    select = terms.locator("select[name=key]")
    groups = select.locator("optgroup").evaluate_all("els => els.map(e => e.label)")
    assert groups == ["快速保障服务", "各服务类别通用的收费"]
    options = select.locator("option").all_inner_texts()
    assert not any("rapid." in o or "taxi." in o for o in options)
    select.select_option("rapid.response_hours.base")
    terms.locator("input[name=value]").fill("2")
    terms.get_by_role("button", name="设定").click()
    row = page.get_by_test_id("term-row")
    row.wait_for()
    assert "快速保障服务" in row.inner_text() and "2 小时" in row.inner_text()
    assert "4 小时" in row.inner_text()  # the published value, for comparison
    history = page.locator("main").inner_text()
    assert "contracts." not in history
    assert "李娜 · 已设置特别服务条款" in history
    screenshot(page, "desk-terms-zh")

    page.get_by_role("button", name="English").click()
    row = page.get_by_test_id("term-row")
    assert "Rapid service" in row.inner_text() and "2 hours" in row.inner_text()
    screenshot(page, "desk-terms-en")


def test_a_contract_with_a_balance_cannot_close_until_written_off(page):
    from contracts.models import Contract
    from contracts.services.charges import charge_add
    from tests.service_tickets.factories import contract_of, manager

    contract = contract_of(tier="rapid", status="active")
    charge_add(contract=contract, kind="rent", amount=Decimal("394.00"), key="e2e:rent")
    Contract.objects.filter(pk=contract.pk).update(status="returned")
    manager(username="boss", first_name="强", last_name="王")
    login(page, "boss")

    page.goto(page.base_url + f"/staff/contracts/{contract.number}/")
    page.get_by_test_id("close-link").click()
    assert page.get_by_test_id("still-owed").inner_text() == "¥394.00"
    assert page.get_by_test_id("close-form").count() == 0  # no way to close with a debt
    screenshot(page, "close-balance-owed-zh")
    card = page.get_by_test_id("still-owed-card")
    card.locator("input[name=amount]").fill("394.00")
    card.locator("input[name=reason]").fill("客户公司已注销，无法追收")
    card.get_by_role("button", name="核销").click()
    page.get_by_test_id("close-form").wait_for()
    assert page.get_by_test_id("still-owed").inner_text() == "¥0.00"
    assert "经理核销：客户公司已注销，无法追收" in page.get_by_test_id("statement").inner_text()
    page.get_by_label("我已核对以上金额，关闭合同。").check()
    page.get_by_test_id("close-form").get_by_role("button", name="结算并关闭").click()
    page.get_by_test_id("contract-status").filter(has_text="已结清").wait_for()
    assert page.get_by_test_id("balance").inner_text() == "¥0.00"

    page.get_by_role("button", name="English").click()
    assert "Written off by a manager" in page.get_by_test_id("statement").inner_text()
    screenshot(page, "closed-after-write-off-en")


def test_an_early_handover_moves_the_start_and_says_so(page):
    from tests.factories import ContractFactory, StaffFactory

    laptop = EquipmentModelFactory(
        name="ThinkPad T14",
        hour_rate=Decimal("5"),
        day_rate=Decimal("30"),
        week_rate=Decimal("150"),
    )
    asset = AssetFactory(model=laptop, asset_tag="XSS-LT-0007")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=6)
    contract = ContractFactory(
        status="signed",
        starts_at=start,
        ends_at=start + timedelta(days=7),
        signed_at=timezone.now(),
        units=[asset],
        deposit_amount=Decimal("0"),
    )
    StaffFactory(username="desk")
    login(page, "desk")

    page.goto(page.base_url + f"/staff/contracts/{contract.number}/")
    scan = page.get_by_test_id("scan").locator("input[name=asset_tag]")
    scan.fill("XSS-LT-0007")
    scan.press("Enter")
    page.get_by_test_id("contract-status").filter(has_text="已交付").wait_for()
    message = page.locator(".messages").inner_text()
    assert "提前交付：租期改为" in message and "¥300.00" in message
    screenshot(page, "early-handover-zh")
    contract.refresh_from_db()
    assert contract.starts_at == timezone.now().replace(minute=0, second=0, microsecond=0)
