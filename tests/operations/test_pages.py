"""The Today board and report pages: who may open what, where staff land, a fixed number of
queries whatever the data, and CSV and Excel exports that carry the page's own figures."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.models import Charge, Payment
from rental.core.periods import last_months, months_of
from rental.core.timeutil import local
from rental.operations.rollups import rollups_refresh
from service_tickets.services import trip_schedule
from tests.factories import (
    PASSWORD,
    ContractFactory,
    CustomerFactory,
    TechnicianFactory,
    UserFactory,
)
from tests.operations.factories import staff_in
from tests.service_tickets.factories import contract_of, open_ticket

pytestmark = pytest.mark.django_db

REPORTS = ("utilisation", "per_unit", "revenue", "deposits", "returns", "service", "customers")
FINANCE_ONLY = ("revenue", "deposits", "customers")


def _client(client, user):
    client.force_login(user)
    return client


def _contract_with_money(n: int, clerk):
    contract = ContractFactory()
    Charge.objects.create(
        contract=contract, kind="rent", amount=Decimal("120.50"), description="r", key=f"p{n}"
    )
    Payment.objects.create(
        contract=contract, amount=Decimal("100"), method="cash", received_by=clerk
    )
    return contract


@pytest.mark.parametrize("key", REPORTS)
def test_a_manager_opens_every_report(client, key):
    response = _client(client, staff_in("manager")).get(reverse("operations:report", args=[key]))
    assert response.status_code == 200
    assert b'data-testid="filters"' in response.content


@pytest.mark.parametrize("key", FINANCE_ONLY)
@pytest.mark.parametrize("group", ["warehouse", "front_desk"])
def test_finance_reports_are_refused_to_other_staff(client, key, group):
    response = _client(client, staff_in(group)).get(reverse("operations:report", args=[key]))
    assert response.status_code == 403


@pytest.mark.parametrize("key", FINANCE_ONLY)
def test_finance_opens_the_finance_reports(client, key):
    response = _client(client, staff_in("finance")).get(reverse("operations:report", args=[key]))
    assert response.status_code == 200


@pytest.mark.parametrize("key", ["revenue", "service", "utilisation"])
@pytest.mark.parametrize("who", ["customer", "technician"])
def test_customers_and_technicians_get_403_on_reports_and_the_board(client, key, who):
    user = UserFactory() if who == "customer" else TechnicianFactory()
    client = _client(client, user)
    assert client.get(reverse("operations:report", args=[key])).status_code == 403
    assert client.get(reverse("operations:today")).status_code == 403
    assert client.get(reverse("operations:today_counts")).status_code == 403
    assert client.get(reverse("operations:report", args=[key]) + "?format=csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("operations:report", args=["revenue"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("user_kind", "landing"),
    [("manager", "/staff/today/"), ("technician", "/service/tech/"), ("customer", "/")],
)
def test_after_login_each_role_lands_on_its_start_page(client, user_kind, landing):
    if user_kind == "manager":
        user = staff_in("manager", username="boss")
    elif user_kind == "technician":
        user = TechnicianFactory(username="tech")
    else:
        user = UserFactory(username="cust")
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing


def test_the_board_shows_each_group_its_own_sections(client):
    warehouse = _client(client, staff_in("warehouse")).get(reverse("operations:today"))
    shown = set(re.findall(r'data-testid="section-(\w+)"', warehouse.content.decode()))
    assert shown == {"trips", "inspections", "returns_due", "overdue"}

    client.logout()
    desk = _client(client, staff_in("front_desk")).get(reverse("operations:today"))
    shown = set(re.findall(r'data-testid="section-(\w+)"', desk.content.decode()))
    assert shown == {
        "trips",
        "inspections",
        "returns_due",
        "overdue",
        "tickets",
        "documents",
        "holds",
    }


def test_the_board_counts_overdue_rentals_and_new_tickets_and_links_to_them(client):
    now = timezone.now()
    late = ContractFactory(starts_at=now - timedelta(days=3), ends_at=now - timedelta(hours=5))
    ticket = open_ticket()
    client = _client(client, staff_in("front_desk"))
    page = client.get(reverse("operations:today")).content.decode()

    assert reverse("contracts:desk", args=[late.number]) in page
    assert reverse("service_tickets:staff_ticket", args=[ticket.number]) in page
    # The customer's number as staff dial it, not as it is stored (+8613812345678).
    assert "138 1234 5678" in page and late.customer.phone not in page
    counts = client.get(reverse("operations:today_counts")).json()["counts"]
    assert counts["overdue"] == 1
    assert counts["tickets_unassigned"] == 1
    assert counts["documents"] == 0

    client.logout()
    counts = (
        _client(client, staff_in("warehouse"))
        .get(reverse("operations:today_counts"))
        .json()["counts"]
    )
    assert "tickets" not in counts and "documents" not in counts  # not the warehouse's work
    assert counts["overdue"] == 1


def test_the_board_makes_the_same_number_of_queries_whatever_the_work(client):
    client = _client(client, staff_in("manager"))
    client.get(reverse("operations:today"))  # session and groups warmed the same way each time
    now = timezone.now()

    def work() -> None:
        ContractFactory(starts_at=now - timedelta(days=3), ends_at=now - timedelta(hours=5))
        ContractFactory(starts_at=now - timedelta(days=3), ends_at=now + timedelta(seconds=90))
        open_ticket()
        trip_schedule(
            contract=contract_of(status="signed"),
            kind="delivery",
            scheduled_for=now + timedelta(hours=2),
            by=staff_in("warehouse"),
        )

    work()
    with CaptureQueriesContext(connection) as little:
        client.get(reverse("operations:today"))
    for _ in range(3):
        work()
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("operations:today"))
    assert len(little) == len(more) <= BOARD_QUERIES
    board = page.context["board"]
    assert [len(board.sections[name]) for name in ("trips", "returns_due", "overdue")] == [4] * 3
    assert len(board.sections["tickets"]) == board.counts["tickets"] == 4


# At most (the session may come from the cache): session, user, groups (asked twice), the counts
# with each section's first ids, then one query per kind of row shown — tickets (trips and
# tickets), contracts (returns due and overdue) — and one for the units of every contract shown:
# bounded by the sections, never by the work.
BOARD_QUERIES = 8
# At most: session, user, groups, whether the rollup holds the months, the report's SQL (two for
# the reports with an "overdue now" or a second statement), and one query per filter with choices
# from the database.
REPORT_QUERIES = {
    "utilisation": 9,
    "per_unit": 9,
    "revenue": 6,
    "deposits": 5,
    "returns": 10,
    "service": 7,
    "customers": 7,
}


@pytest.mark.parametrize("key", REPORTS)
def test_a_report_page_makes_a_fixed_number_of_queries(client, key):
    clerk = staff_in("manager")
    client = _client(client, clerk)
    url = reverse("operations:report", args=[key])
    client.get(url)  # the session and the user's groups warmed the same way for each count
    _contract_with_money(1, clerk)
    with CaptureQueriesContext(connection) as little:
        client.get(url)
    for n in range(2, 6):
        _contract_with_money(n, clerk)
        open_ticket()
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    # Read from the rollups instead of the facts: the same queries.
    today = local(timezone.now()).date()
    rollups_refresh(months=months_of(last_months(today)))
    with CaptureQueriesContext(connection) as rolled_up:
        client.get(url)
    assert len(little) == len(more) == len(rolled_up) <= REPORT_QUERIES[key]


def _page_total(html: str, table: str) -> list[str]:
    row = re.search(rf'data-testid="total-{table}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row, re.S)
    ]


def test_the_csv_carries_the_totals_of_the_page(client):
    clerk = staff_in("finance")
    for n in range(3):
        _contract_with_money(n, clerk)
    client = _client(client, clerk)
    url = reverse("operations:report", args=["revenue"])
    page_total = _page_total(client.get(url).content.decode(), "revenue")
    response = client.get(url + "?format=csv&table=revenue")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    assert lines[0][:3] == ["期间", "租金", "送货和取货"]
    assert lines[-1][0] == "合计" and page_total[0] == "合计"
    # The page groups thousands; the figures are the same.
    assert [c.replace(",", "") for c in page_total[1:]] == [c or "—" for c in lines[-1][1:]]
    assert lines[-1][1] == "361.50" and lines[-1][8] == "300.00"  # 3 × 120.50 charged, 3 × 100 paid


def test_the_excel_workbook_has_a_sheet_per_table_with_the_same_rows(client):
    clerk = staff_in("finance")
    _contract_with_money(1, clerk)
    response = _client(client, clerk).get(
        reverse("operations:report", args=["returns"]) + "?format=xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["每月归还", "当前逾期"]
    assert book["当前逾期"]["A1"].value == "合同"


def test_the_console_index_links_to_the_board_and_the_reports_in_both_languages(client):
    manager = staff_in("manager")
    manager.is_superuser = True
    manager.save()
    client = _client(client, manager)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("operations:today") in page
    assert reverse("operations:report", args=["revenue"]) in page
    assert "登录锁定" in page and "Axes" not in page

    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("admin:index")).content.decode()
    assert "Sign-in lock-outs" in page and "Per unit" in page and "Today" in page


def test_the_console_index_hides_finance_reports_and_lock_outs_from_the_warehouse(client):
    page = _client(client, staff_in("warehouse")).get(reverse("admin:index")).content.decode()
    assert reverse("operations:report", args=["utilisation"]) in page
    assert reverse("operations:report", args=["revenue"]) not in page
    assert "登录锁定" not in page


def test_customers_never_see_the_board_link(client):
    CustomerFactory(user=UserFactory(username="walkin"))
    page = client.get("/").content.decode()
    assert reverse("operations:today") not in page
