"""A manager's morning in a real browser: log in and land on Today, watch a count change without
reloading, open utilisation and the SLA report with their charts, switch to English, and
download a CSV whose totals are the page's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Asset
from rental.operations.tasks import refresh_rollups
from service_tickets import services
from service_tickets.models import Ticket
from tests.conftest import login, screenshot
from tests.factories import AssetFactory, ContractFactory
from tests.operations.factories import calendar_entry, staff_in
from tests.service_tickets.factories import TechnicianFactory, dispatched, open_ticket, shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ticket(technician, *, minutes_to_arrive: int, deadline_after: int) -> None:
    now = timezone.now()
    ticket = dispatched(open_ticket(), technician)
    shift(ticket, reported_at=now - timedelta(minutes=minutes_to_arrive))
    # The deadline is 20 s later than the round figure: the arrival happens a moment after `now`.
    deadline = now - timedelta(minutes=minutes_to_arrive - deadline_after, seconds=-20)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=deadline)
    services.ticket_arrive(ticket=Ticket.objects.get(pk=ticket.pk), by=technician)


def _cells(page, testid: str) -> list[str]:
    return [c.strip() for c in page.get_by_test_id(testid).locator("th, td").all_inner_texts()]


def test_a_manager_lands_on_today_opens_the_reports_and_exports_a_csv(page, settings):
    settings.OPERATIONS_BOARD_REFRESH_SECONDS = 1
    staff_in("manager", username="boss", first_name="丽", last_name="陈")
    now = timezone.now().replace(microsecond=0)
    ContractFactory(starts_at=now - timedelta(days=3), ends_at=now - timedelta(hours=5))
    for n in range(3):
        unit = AssetFactory()
        calendar_entry(unit, "rental", now - timedelta(hours=30 + n), now - timedelta(hours=6))
    wang = TechnicianFactory(username="wang", first_name="伟", last_name="王")
    _ticket(wang, minutes_to_arrive=90, deadline_after=240)  # met
    _ticket(wang, minutes_to_arrive=250, deadline_after=240)  # late by 10 minutes
    open_ticket()  # unassigned
    refresh_rollups()  # as beat does every five minutes

    login(page, "boss")
    assert page.url.endswith(reverse("operations:today"))
    assert page.locator("h1").inner_text().startswith("今日")
    overdue = page.get_by_test_id("tile-overdue").locator("[data-count]")
    assert overdue.inner_text() == "1"
    # Another rental becomes overdue: the count changes without reloading the page.
    ContractFactory(starts_at=now - timedelta(days=2), ends_at=now - timedelta(hours=1))
    page.wait_for_function("el => el.textContent === '2'", arg=overdue.element_handle())
    assert page.get_by_test_id("section-tickets").get_by_text("未分配").count() >= 1
    screenshot(page, "today-zh")
    refresh_rollups()  # the new rental's unit too, as beat does within five minutes

    page.locator(".report-nav").get_by_role("link", name="利用率").click()
    page.locator("[data-testid=table-by_period] .chart canvas").wait_for()
    total = _cells(page, "total-by_period")
    assert total[0] == "合计" and total[1] == str(Asset.objects.count())
    assert total[5].endswith("%")
    screenshot(page, "report-utilisation-zh")

    page.locator(".report-nav").get_by_role("link", name="服务（SLA）").click()
    page.locator("[data-testid=table-by_period] .chart canvas").wait_for()
    sla_total = _cells(page, "total-by_period")
    assert sla_total[:5] == ["合计", "3", "1", "1", "50.0%"]
    screenshot(page, "report-service-zh")

    page.get_by_role("button", name="English").click()
    page.locator("h1").filter(has_text="Service (SLA)").wait_for()
    page.locator("[data-testid=table-by_period] .chart canvas").wait_for()
    english_total = _cells(page, "total-by_period")
    assert english_total[0] == "Total" and english_total[1:] == sla_total[1:]
    screenshot(page, "report-service-en")

    with page.expect_download() as download:
        page.get_by_test_id("csv-by_period").click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        lines = list(csv.reader(io.StringIO(file.read())))
    assert lines[0][0] == "Period" and lines[-1][0] == "Total"
    shown = [c.replace("%", "").replace("—", "") for c in english_total[1:]]
    assert lines[-1][1:] == shown  # late by 10 minutes on average, medians and p90s too
    assert lines[-1][5] == "10"

    page.locator(".report-nav").get_by_role("link", name="Utilisation").click()
    page.locator("[data-testid=table-by_period] .chart canvas").wait_for()
    screenshot(page, "report-utilisation-en")
    page.locator(".report-nav").get_by_role("link", name="Today").click()
    page.locator("h1").filter(has_text="Today").wait_for()
    screenshot(page, "today-en")
