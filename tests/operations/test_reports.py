"""The report figures against hand-computed cases, and the outcome a ticket records at arrival."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.reports import unit_months_refresh, utilisation
from contracts import reports
from contracts.models import Charge, DepositEntry, Payment
from rental.core.periods import Period, last_months
from rental.core.timeutil import SHANGHAI, local
from service_tickets import services, sla
from service_tickets.models import Ticket
from service_tickets.reports import service_report
from tests.factories import AssetFactory, CategoryFactory, ContractFactory, EquipmentModelFactory
from tests.operations.factories import calendar_entry, repair, staff_in
from tests.service_tickets.factories import TechnicianFactory, dispatched, open_ticket, shift

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=SHANGHAI)


MARCH_2_TO_5 = Period(first=date(2026, 3, 2), last=date(2026, 3, 5))  # 96 hours
AFTER = at(20)


@pytest.fixture
def two_units():
    laptops, projectors = CategoryFactory(name_zh="笔记本电脑"), CategoryFactory(name_zh="投影仪")
    busy = AssetFactory(model=EquipmentModelFactory(category=laptops), acquired_on=date(2025, 1, 1))
    quiet = AssetFactory(model=EquipmentModelFactory(category=projectors))
    # busy: a day in maintenance, then rented 36 hours → 36 of 72 available hours.
    calendar_entry(busy, "maintenance", at(2), at(3), released=at(3))
    calendar_entry(busy, "rental", at(3, 12), at(5), released=at(5))
    # quiet: a two-day rental returned after 12 hours → 12 of 96 hours.
    calendar_entry(quiet, "rental", at(4), at(6), released=at(4, 12))
    # Neither a hold nor a retired unit counts.
    calendar_entry(quiet, "hold", at(2), at(3), released=at(3))
    AssetFactory(model=quiet.model, service_status="retired")
    return busy, quiet


def test_a_unit_rented_36_of_72_available_hours_is_50_percent(two_units):
    tables = utilisation(period=MARCH_2_TO_5, group="unit", now=AFTER)
    by_unit = {row["label"].split(" · ")[0]: row for row in tables[1].rows}
    busy, quiet = two_units

    assert by_unit[busy.asset_tag]["available_hours"] == Decimal("72.0")
    assert by_unit[busy.asset_tag]["downtime_hours"] == Decimal("24.0")
    assert by_unit[busy.asset_tag]["rented_hours"] == Decimal("36.0")
    assert by_unit[busy.asset_tag]["utilisation"] == Decimal("50.0")
    assert by_unit[quiet.asset_tag]["rented_hours"] == Decimal("12.0")
    assert by_unit[quiet.asset_tag]["utilisation"] == Decimal("12.5")
    assert len(by_unit) == 2  # the retired unit is not counted
    total = tables[0].total
    assert (total["units"], total["available_hours"], total["rented_hours"]) == (
        2,
        Decimal("168.0"),
        Decimal("48.0"),
    )
    assert total["utilisation"] == Decimal("28.6")  # 48 ÷ 168


def test_utilisation_per_category_and_week_and_time_in_repair_as_downtime(two_units):
    busy, _ = two_units
    repair(busy, at(5, 0), None)  # in repair since the 5th: still open at "now"
    tables = utilisation(period=MARCH_2_TO_5, grain="week", now=AFTER)
    by_category = {row["label"]: row for row in tables[1].rows}

    assert by_category["笔记本电脑"]["downtime_hours"] == Decimal("48.0")  # maintenance + repair
    assert by_category["笔记本电脑"]["utilisation"] == Decimal("75.0")  # 36 of 48
    assert by_category["投影仪"]["utilisation"] == Decimal("12.5")
    # 2 March 2026 is a Monday: the four days are one week.
    assert [row["bucket"] for row in tables[0].rows] == ["2026-W10"]


def test_the_current_month_counts_only_the_hours_until_now():
    asset = AssetFactory()
    now = at(2, 12)
    calendar_entry(asset, "rental", at(2, 6), at(9))
    march = Period(first=date(2026, 3, 1), last=date(2026, 3, 31))
    tables = utilisation(period=march, now=now, live=True)

    assert tables[0].total["available_hours"] == Decimal("36.0")  # 1 March 00:00 → 2 March 12:00
    assert tables[0].total["rented_hours"] == Decimal("6.0")


def test_whole_months_read_the_rollup_which_gives_the_live_figures(two_units):
    busy, _ = two_units
    repair(busy, at(5, 0), at(6, 12))
    march = Period(first=date(2026, 3, 1), last=date(2026, 3, 31))
    # Nothing rolled up yet: computed from the calendar.
    before = utilisation(period=march, now=AFTER)
    assert before[0].total == utilisation(period=march, now=AFTER, live=True)[0].total

    tasks_refreshed = unit_months_refresh(months=[date(2026, 3, 1)], now=AFTER)
    assert tasks_refreshed == 3  # every unit, the retired one too (it is filtered when read)
    assert unit_months_refresh(months=[date(2026, 3, 1)], now=AFTER) == 3  # idempotent
    for group in ("category", "model", "unit"):
        rolled = utilisation(period=march, group=group, now=AFTER)
        live = utilisation(period=march, group=group, now=AFTER, live=True)
        assert [t.rows for t in rolled] == [t.rows for t in live]
        assert rolled[0].total == live[0].total
    # 1–20 March up to "now": 456 hours a unit; busy was down 24 + 36 hours and rented 36.
    total = utilisation(period=march, now=AFTER)[0].total
    assert (total["available_hours"], total["rented_hours"]) == (Decimal("852.0"), Decimal("48.0"))


def test_per_unit_times_hours_revenue_cost_and_return_on_investment(two_units):
    busy, _ = two_units
    busy.purchase_cost = Decimal("1000.00")
    busy.save()
    contract = ContractFactory(units=[busy], starts_at=at(3, 12), ends_at=at(5), status="closed")
    contract.units.update(handed_over_at=at(3, 12), returned_at=at(5))

    row = next(
        r
        for r in reports.per_unit(period=MARCH_2_TO_5, now=AFTER)[0].rows
        if r["unit"] == busy.asset_tag
    )

    assert (row["times_rented"], row["rented_hours"], row["revenue"]) == (
        1,
        Decimal("36.0"),
        Decimal("100.00"),
    )
    assert row["downtime_hours"] == Decimal("24.0")
    assert row["purchase_cost"] == Decimal("1000.00")
    assert row["roi"] == Decimal("-90.0")  # (100 − 1000) ÷ 1000


def _charge(contract, kind, amount, n):
    Charge.objects.create(
        contract=contract,
        kind=kind,
        amount=Decimal(amount),
        description=kind,
        key=f"t:{contract.pk}:{n}",
    )


@pytest.fixture
def money_this_month():
    clerk = staff_in("finance")
    owing, overpaid = ContractFactory(tier="rapid"), ContractFactory(tier="basic")
    _charge(owing, "rent", "300", 1)
    _charge(owing, "delivery", "20", 2)
    _charge(owing, "late_return", "50", 3)
    _charge(overpaid, "rent", "100", 4)
    Payment.objects.create(contract=owing, amount=Decimal("200"), method="cash", received_by=clerk)
    Payment.objects.create(
        contract=overpaid, amount=Decimal("500"), method="bank", received_by=clerk
    )
    for contract, kind, amount, n in (
        (owing, "collected", "1000", 1),
        (owing, "deducted", "150", 2),
        (owing, "refunded", "850", 3),
        (overpaid, "collected", "500", 4),
    ):
        DepositEntry.objects.create(
            contract=contract,
            kind=kind,
            amount=Decimal(amount),
            reason="" if kind == "collected" else "r",
            key=f"d{n}",
        )
    return owing, overpaid


def _this_month() -> Period:
    today = local(timezone.now()).date()
    return Period(first=date(today.year, today.month, 1), last=today)


def test_revenue_by_kind_charged_collected_and_outstanding(money_this_month):
    table = reports.revenue(period=_this_month())[0]
    row = table.rows[-1]

    assert (row["rent"], row["trips"], row["late_return"]) == (
        Decimal("400.00"),
        Decimal("20.00"),
        Decimal("50.00"),
    )
    assert row["charged"] == Decimal("470.00")
    assert row["collected"] == Decimal("700.00")
    # 370 − 200 on one contract; the overpaid one owes nothing (not −400).
    assert row["outstanding"] == Decimal("170.00")
    assert table.total["charged"] == Decimal("470.00")


def test_revenue_filtered_by_tier(money_this_month):
    row = reports.revenue(period=_this_month(), tier="basic")[0].rows[-1]
    assert (row["charged"], row["collected"], row["outstanding"]) == (
        Decimal("100.00"),
        Decimal("500.00"),
        Decimal("0.00"),
    )


def test_deposits_collected_refunded_deducted_and_held(money_this_month):
    table = reports.deposits(period=_this_month())[0]
    row = table.rows[-1]

    assert (row["collected"], row["refunded"], row["deducted"]) == (
        Decimal("1500.00"),
        Decimal("850.00"),
        Decimal("150.00"),
    )
    assert row["held"] == Decimal("500.00")  # what the company owes back now
    assert table.total["held"] == Decimal("500.00")


def test_customers_top_and_split(money_this_month):
    top, kinds, new = reports.customers(period=_this_month())
    assert [r["charged"] for r in top.rows] == [Decimal("370.00"), Decimal("100.00")]
    assert kinds.total["charged"] == Decimal("470.00")
    assert new.total["new"] == 2


def test_returns_late_per_month_and_overdue_now():
    contract = ContractFactory(starts_at=at(2), ends_at=at(4))
    contract.units.update(handed_over_at=at(2), returned_at=at(4, 6))
    overdue = ContractFactory(starts_at=at(2), ends_at=at(10))
    overdue.units.update(handed_over_at=at(2))
    late, now_overdue = reports.returns(
        period=Period(first=date(2026, 3, 1), last=date(2026, 3, 31)), now=at(11)
    )

    row = late.rows[0]
    assert (row["returned"], row["late"], row["avg_late_hours"]) == (1, 1, Decimal("6.0"))
    assert [r["contract"] for r in now_overdue.rows] == [overdue.number]
    assert now_overdue.rows[0]["overdue_hours"] == Decimal("24.0")


# --- The outcome each ticket records when the technician arrives ---------------------------


def test_minutes_past_the_deadline_rule():
    deadline = at(2, 12)
    assert sla.minutes_past(deadline=deadline, at=deadline + timedelta(minutes=10)) == 10
    assert sla.minutes_past(deadline=deadline, at=deadline + timedelta(seconds=30)) == 1
    assert sla.minutes_past(deadline=deadline, at=deadline) == 0
    assert sla.minutes_past(deadline=deadline, at=deadline - timedelta(seconds=30)) == 0
    assert sla.minutes_past(deadline=deadline, at=deadline - timedelta(minutes=45)) == -45


def test_a_ticket_arriving_10_minutes_after_its_deadline_is_late_by_10_minutes():
    technician = TechnicianFactory()
    ticket = dispatched(open_ticket(), technician)
    now = timezone.now()
    # Called 4 h 10 min ago against a 4-hour target (a few seconds' grace for the test itself).
    shift(ticket, reported_at=now - timedelta(hours=4, minutes=10))
    Ticket.objects.filter(pk=ticket.pk).update(deadline=now - timedelta(minutes=10, seconds=-20))
    ticket = services.ticket_arrive(ticket=Ticket.objects.get(pk=ticket.pk), by=technician)
    ticket.refresh_from_db()

    assert ticket.outcome == Ticket.Outcome.LATE
    assert ticket.minutes_past_deadline == 10
    assert ticket.minutes_to_arrive == 250

    table = service_report(period=last_months(local(now).date()))[0]
    assert (table.total["tickets"], table.total["met"], table.total["late"]) == (1, 0, 1)
    assert table.total["late_by_avg"] == 10
    assert table.total["arrive_p50"] == 250


def test_a_ticket_on_time_is_met_and_the_report_gives_median_and_p90():
    technician = TechnicianFactory()
    now = timezone.now()
    for minutes in (60, 120, 180, 240, 300):
        ticket = dispatched(open_ticket(), technician)
        shift(ticket, reported_at=now - timedelta(minutes=minutes))
        Ticket.objects.filter(pk=ticket.pk).update(deadline=now + timedelta(hours=1))
        services.ticket_arrive(ticket=Ticket.objects.get(pk=ticket.pk), by=technician)
    never = open_ticket()
    shift(never, reported_at=now - timedelta(hours=6))
    Ticket.objects.filter(pk=never.pk).update(deadline=now - timedelta(hours=2), breached_at=now)

    tables = service_report(period=last_months(local(now).date()))
    total = tables[0].total
    assert (total["tickets"], total["met"], total["late"], total["met_share"]) == (
        6,
        5,
        1,
        Decimal("83.3"),
    )
    assert total["arrive_p50"] == 180
    assert total["arrive_p90"] == 276  # percentile_cont: 240 + 0.6 × 60
    by_tech = tables[3].rows
    assert [(r["tickets"], r["met"]) for r in by_tech] == [(5, 5)]
