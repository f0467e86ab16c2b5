"""Reservation accepted → contract PDF (rendered, Chinese) → signed → handed over by scanning →
returned with damage → deposit refunded less the deduction → closed, in a real browser."""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from contracts import services
from contracts.models import Contract, ReservationUnit
from contracts.services import ReservationItem, ReservationRequest
from rental.core.timeutil import SHANGHAI
from tests.conftest import SCREENSHOTS, login, screenshot
from tests.factories import AssetFactory, CustomerFactory, EquipmentModelFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _accepted_contract() -> Contract:
    customer = CustomerFactory(
        name="厦门海峡会展服务有限公司",
        kind="company",
        resident_id="",
        credit_code="91350200MA31P8XQ4X",
    )
    laptop = EquipmentModelFactory(name="ThinkPad T14", replacement_value=Decimal("6000"))
    AssetFactory.create_batch(2, model=laptop)
    start = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    reservation = services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=[ReservationItem(model=laptop, quantity=2)],
            starts_at=start + timedelta(days=2),
            ends_at=start + timedelta(days=4),
            fulfilment="collection",
            address=None,
            tier="basic",
        ),
        by=customer.user,
    )
    services.inspection_book(
        reservation=reservation,
        place="showroom",
        starts_at=(start + timedelta(days=1)).replace(hour=10),
        by=None,
    )
    units = ReservationUnit.objects.filter(line__reservation=reservation)
    return services.inspection_record_outcome(
        reservation=reservation, accepted_unit_ids=[u.pk for u in units], by=None
    )


def _render_first_page(pdf: bytes, name: str):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian poppler-utils) is needed to render the contract"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    source = SCREENSHOTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(SCREENSHOTS / name),
        ],
        check=True,
    )
    return Image.open(SCREENSHOTS / f"{name}.png").convert("L")


def test_contract_from_acceptance_to_closing(browser, live_server):
    contract = _accepted_contract()
    tags = list(contract.units.values_list("asset__asset_tag", flat=True))
    StaffFactory(username="desk", first_name="丽华", last_name="陈")

    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 430, "height": 932},
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    login(page, "desk")
    desk = f"{live_server.url}/staff/contracts/{contract.number}/"
    page.goto(desk)
    assert "押金 ¥6000.00" in page.locator("main").inner_text()

    draft_pdf = page.request.get(desk + "pdf/?lang=zh-hans")
    assert draft_pdf.headers["content-type"] == "application/pdf"
    image = _render_first_page(draft_pdf.body(), "contract-draft")
    dark = sum(1 for value in image.getdata() if value < 128)
    assert dark > 2000, "the rendered contract page is blank"

    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 3) * 15)
    page.mouse.up()
    page.get_by_role("button", name="双方签署").click()
    page.get_by_text("已签署").first.wait_for()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert contract.customer_signature  # the drawn signature was kept
    signed = _render_first_page(
        page.request.get(desk + "pdf/?lang=zh-hans").body(), "contract-signed"
    )
    assert signed.size[0] > 0

    scan = page.get_by_test_id("scan").locator("input[name=asset_tag]")
    scan.fill("XSS-NOT-OURS")
    scan.press("Enter")
    page.get_by_text("不在合同").first.wait_for()
    for tag in tags:
        page.get_by_test_id("scan").locator("input[name=asset_tag]").fill(tag)
        page.get_by_test_id("scan").locator("input[name=asset_tag]").press("Enter")
    page.get_by_test_id("contract-status").filter(has_text="已交付").wait_for()
    screenshot(page, "contract-active")

    damaged = page.get_by_test_id(f"return-{tags[0]}")
    damaged.get_by_role("radio", name="损坏").check()
    damaged.get_by_label("电源适配器").check()
    damaged.locator("input[name$=damage_amount]").fill("300")
    damaged.locator("input[name$=notes]").fill("屏幕划伤")
    damaged.get_by_role("button", name="验收归还").click()
    page.get_by_test_id(f"return-{tags[1]}").get_by_role("button", name="验收归还").click()
    page.get_by_test_id("contract-status").filter(has_text="已归还").wait_for()

    page.get_by_test_id("close-link").click()
    # Closing asks first, showing what happens to the deposit.
    assert page.get_by_test_id("still-owed").inner_text() == "¥0.00"
    page.get_by_label("退款方式").select_option("cash")
    page.get_by_label("我已核对以上金额，关闭合同。").check()
    page.get_by_test_id("close-form").get_by_role("button", name="结算并关闭").click()
    page.get_by_test_id("contract-status").filter(has_text="已结清").wait_for()
    screenshot(page, "contract-closed")

    contract.refresh_from_db()
    entries = list(contract.deposit_entries.values_list("kind", "amount"))
    rent = sum(contract.units.values_list("rent", flat=True))
    assert entries == [
        ("collected", Decimal("6000.00")),
        ("deducted", Decimal("300.00")),
        ("deducted", rent),
        ("refunded", Decimal("6000.00") - Decimal("300.00") - rent),
    ]
    assert page.get_by_test_id("deposit-held").inner_text() == "¥0.00"
    context.close()
