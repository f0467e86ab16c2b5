"""A technician's day on a phone, in a real browser: the ticket with its live countdown, arrive,
resolve, close with a fee inside the enforced range; then the customer sees the ticket closed
and the fee on the contract's statement (billed by a real Celery worker)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Charge
from service_tickets.models import Ticket
from tests.conftest import login, screenshot, wait_for
from tests.factories import StaffFactory, TechnicianFactory, UserFactory
from tests.service_tickets.conftest import ticket_workers  # noqa: F401
from tests.service_tickets.factories import (
    CustomerFactory,
    contract_of,
    dispatched,
    open_ticket,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_arrives_resolves_and_closes_and_the_customer_sees_the_charge(
    phone_page,
    page,
    ticket_workers,  # noqa: F811
):
    ticket_workers()
    customer = CustomerFactory(user=UserFactory(username="lin"), name="林晓")
    technician = TechnicianFactory(username="tech", first_name="建国", last_name="黄")
    contract = contract_of(tier="basic", customer=customer)
    ticket = dispatched(open_ticket(contract, description="笔记本无法开机"), technician)
    other = dispatched(open_ticket(contract_of(tier="rapid")), TechnicianFactory())

    phone = phone_page
    login(phone, "tech")
    phone.goto(phone.base_url + reverse("service_tickets:tech_list"))
    card = phone.get_by_test_id(f"ticket-{ticket.number}")
    countdown = card.get_by_test_id("countdown")
    first = countdown.inner_text()
    phone.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[countdown.element_handle(), first]
    )
    assert phone.get_by_test_id(f"ticket-{other.number}").count() == 0
    screenshot(phone, "technician-list")

    card.click()
    phone.get_by_test_id("deadline").wait_for()
    assert phone.get_by_test_id("call").get_attribute("href") == "tel:13912345678"
    screenshot(phone, "technician-ticket")
    phone.get_by_test_id("en-route").click()
    phone.get_by_test_id("arrive").click()
    phone.get_by_test_id("resolve-form").wait_for()
    phone.locator("textarea[name=notes]").fill("更换电源适配器")
    phone.locator("textarea[name=parts]").fill("电源适配器 ×1")
    assert phone.locator("input[name=units]").first.is_checked()
    screenshot(phone, "technician-resolve")
    phone.get_by_test_id("resolve").click()

    fee = phone.locator("input[name=fee]")
    fee.wait_for()
    assert (fee.get_attribute("min"), fee.get_attribute("max")) == ("50.00", "100.00")
    fee.fill("120")  # the browser refuses it before the server would
    phone.get_by_test_id("close").click()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    fee.fill("80")
    screenshot(phone, "technician-close")
    phone.get_by_test_id("close").click()
    phone.get_by_test_id("outcome").wait_for()
    assert phone.get_by_test_id("fee").inner_text().startswith("¥80.00")
    screenshot(phone, "technician-closed")

    wait_for(lambda: Charge.objects.filter(key=f"ticket:{ticket.pk}:fee").exists())
    assert Charge.objects.get().amount == Decimal("80.00")

    login(page, "lin")
    page.goto(page.base_url + reverse("service_tickets:customer_ticket", args=[ticket.number]))
    assert page.get_by_test_id("status").inner_text() == str(Ticket.Status.CLOSED.label)
    assert page.get_by_test_id("billed").inner_text().startswith("¥80.00")
    screenshot(page, "customer-ticket-closed")

    page.get_by_test_id("statement-link").click()
    line = page.get_by_test_id("statement").locator("tr", has_text=ticket.number)
    assert line.locator("td.num").inner_text() == "¥80.00"
    screenshot(page, "customer-statement")


def test_customer_calls_for_service_and_staff_dispatch_from_the_board(page, phone_page):
    customer = CustomerFactory(user=UserFactory(username="chen"), name="陈静")
    contract = contract_of(tier="rapid", days=3, customer=customer)
    StaffFactory(username="desk", first_name="芳", last_name="王")
    tech = TechnicianFactory(username="tech2", first_name="建国", last_name="黄")
    basic = open_ticket(contract_of(tier="basic"), description="打印机卡纸")

    login(phone_page, "chen")
    phone_page.goto(phone_page.base_url + reverse("service_tickets:customer_home"))
    phone_page.get_by_test_id(f"contract-{contract.number}").get_by_role("link").click()
    form = phone_page.get_by_test_id("call-form")
    form.locator("input[name=kind][value=software]").check()
    form.locator("textarea[name=description]").fill("无法连接公司网络")
    screenshot(phone_page, "customer-call")
    form.locator("button[type=submit]").click()
    phone_page.get_by_test_id("deadline-explanation").wait_for()
    ticket = Ticket.objects.get(contract=contract)
    assert phone_page.get_by_test_id("countdown").get_attribute("data-deadline") == (
        timezone.localtime(ticket.deadline).isoformat()
    )
    screenshot(phone_page, "customer-ticket-new")

    login(page, "desk")
    page.goto(page.base_url + reverse("service_tickets:staff_board"))
    needs = page.get_by_test_id("needs-deadline").get_by_test_id(f"row-{basic.number}")
    needs.locator("input[name=deadline]").fill(
        (timezone.localtime() + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    )
    needs.get_by_role("button").click()
    row = page.get_by_test_id("unassigned").get_by_test_id(f"row-{ticket.number}")
    row.locator("select[name=technician]").select_option(str(tech.pk))
    screenshot(page, "staff-board")
    row.get_by_role("button").click()
    page.get_by_test_id("by-technician").get_by_test_id(f"row-{ticket.number}").wait_for()
    screenshot(page, "staff-board-dispatched")

    ticket.refresh_from_db()
    basic.refresh_from_db()
    assert (ticket.status, ticket.technician) == ("assigned", tech)
    assert basic.deadline_source == "manual"


def test_a_deadline_days_away_counts_down_in_days_in_the_pages_language(phone_page):
    technician = TechnicianFactory(username="tech")
    ticket = dispatched(open_ticket(contract_of(tier="basic")), technician)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=timezone.now() + timedelta(days=2, hours=3))
    login(phone_page, "tech")
    countdown = phone_page.get_by_test_id(f"ticket-{ticket.number}").get_by_test_id("countdown")

    for language, days in (("zh-hans", "2天 "), ("en", "2d ")):
        phone_page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": phone_page.base_url}]
        )
        phone_page.goto(phone_page.base_url + reverse("service_tickets:tech_list"))
        phone_page.wait_for_function(
            "([el, days]) => el.textContent.includes(days)",
            arg=[countdown.element_handle(), days],
        )
        assert countdown.inner_text().split(days)[1].count(":") == 2  # then hh:mm:ss
