"""The report rollups: on a varied company over three months, every report read from the
rollups gives exactly what it computes from the raw rows, whatever the grain and the filters;
refreshing twice leaves the same rows; a month the rollups do not hold is computed live."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.db.models import F

from catalog.models import CalendarEntry
from catalog.reports import utilisation
from contracts import reports
from rental.core.periods import Period, last_months
from rental.core.timeutil import SHANGHAI
from rental.operations.rollups import REFRESHES, rollups_refresh
from service_tickets.models import ServicePercentile, Ticket
from service_tickets.reports import service_report
from tests.factories import (
    AssetFactory,
    CategoryFactory,
    ContractFactory,
    DepotFactory,
    EquipmentModelFactory,
)
from tests.operations.factories import calendar_entry, repair, staff_in
from tests.service_tickets.factories import TechnicianFactory, open_ticket, shift

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 20, 12, 30, tzinfo=SHANGHAI)
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
PERIOD = Period(first=date(2026, 1, 1), last=date(2026, 3, 20))
TABLES = (
    "catalog_unitmonth",
    "catalog_unitweek",
    "catalog_unitisoweek",
    "contracts_unitmonthrental",
    "contracts_revenuepiece",
    "contracts_returnpiece",
    "contracts_contractmonth",
    "service_tickets_ticketpiece",
)
_keys = count()


def _at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _insert(table: str, **values) -> None:
    """Money rows dated in the past: the tables are insert-only and date their rows on save."""
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))  # noqa: S608


def _charge(contract, kind: str, amount: str, at: datetime, key: str | None = None) -> None:
    _insert(
        "contracts_charge",
        contract_id=contract.pk,
        kind=kind,
        description=kind,
        amount=Decimal(amount),
        key=key or f"test:{next(_keys)}",
        created_at=at,
        details="{}",
    )


def _payment(contract, amount: str, at: datetime, clerk) -> None:
    _insert(
        "contracts_payment",
        contract_id=contract.pk,
        amount=Decimal(amount),
        method="bank",
        reference="",
        received_at=at,
        received_by_id=clerk.pk,
    )


def _rental(
    asset, out: datetime, due: datetime, back: datetime | None, *, tier, rent, damaged=False
):
    contract = ContractFactory(
        units=[asset], starts_at=out, ends_at=due, status="closed" if back else "active", tier=tier
    )
    unit = contract.units.get()
    contract.units.update(
        handed_over_at=out,
        returned_at=back,
        rent=Decimal(rent),
        return_condition=("damaged" if damaged else "good") if back else "",
    )
    # The factory booked the unit for the contract's dates; it came back when it did.
    CalendarEntry.objects.filter(pk=unit.calendar_entry_id).update(
        released_at=back, is_active=back is None
    )
    _charge(contract, "rent", rent, out)
    if back and back > due:
        late = str(Decimal(rent) / 4)
        _charge(
            contract, "late_return", late, back, key=f"contract:{contract.pk}:unit:{unit.pk}:late"
        )
    if damaged:
        _charge(contract, "damage", "300", back)
    return contract


def _ticket(
    technician, *, reported: datetime, tier: str, zone: str, arrive: int | None, late=False
):
    ticket = open_ticket()
    shift(ticket, reported_at=reported)
    deadline = reported + timedelta(hours=4)
    fields = {"tier": tier, "zone": zone, "deadline": deadline}
    if arrive is None:
        fields.update(
            status="cancelled", cancel_reason="customer", cancelled_at=reported, technician=None
        )
        if late:
            fields.update(breached_at=deadline)
    else:
        arrived = reported + timedelta(minutes=arrive)
        fields.update(
            technician=technician,
            status="resolved",
            assigned_at=reported,
            arrived_at=arrived,
            resolved_at=arrived + timedelta(minutes=37, seconds=arrive % 50),
            outcome="late" if arrived > deadline else "met",
            minutes_to_arrive=arrive,
            minutes_past_deadline=arrive - 240,
        )
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


@pytest.fixture
def company():
    laptops, projectors = CategoryFactory(name_zh="笔记本电脑"), CategoryFactory(name_zh="投影仪")
    east, west = DepotFactory(), DepotFactory()
    thinkpad = EquipmentModelFactory(category=laptops)
    epson = EquipmentModelFactory(category=projectors)
    units = [
        AssetFactory(model=thinkpad, depot=east, acquired_on=date(2025, 6, 1)),
        AssetFactory(model=thinkpad, depot=west, acquired_on=date(2026, 2, 10)),
        AssetFactory(model=epson, depot=east, purchase_cost=Decimal("4000.00")),
        AssetFactory(model=epson, depot=west, service_status="retired"),
    ]
    a, b, c, _ = units
    # Rentals across month and week edges, one still out, late and damaged returns.
    _rental(a, _at(1, 5, 9), _at(1, 9, 9), _at(1, 9, 8), tier="rapid", rent="400")
    _rental(a, _at(1, 28, 14), _at(2, 3, 10), _at(2, 3, 16, 30), tier="basic", rent="600")
    _rental(a, _at(3, 14, 8), _at(3, 25, 8), None, tier="rapid", rent="900")
    _rental(b, _at(2, 12), _at(2, 20), _at(2, 21, 3), tier="value_added", rent="750", damaged=True)
    _rental(c, _at(1, 30, 18), _at(3, 2, 18), _at(3, 2, 17), tier="basic", rent="2000")
    _rental(c, _at(3, 10), _at(3, 12), _at(3, 13, 5), tier="rapid", rent="220")
    calendar_entry(a, "maintenance", _at(2, 10), _at(2, 12), released=_at(2, 11, 6))
    repair(b, _at(3, 1, 9), _at(3, 4, 17))
    repair(c, _at(3, 18), None)
    # Payments, an adjustment, a deposit-free contract left owing.
    clerk = staff_in("finance")
    for contract in ContractFactory._meta.model.objects.order_by("id"):
        _charge(contract, "delivery", "30", contract.starts_at)
        paid = contract.starts_at + timedelta(days=3)
        if contract.pk % 3 and paid < NOW:
            _payment(contract, "500", paid, clerk)
    _charge(
        ContractFactory._meta.model.objects.order_by("id").first(),
        "adjustment",
        "-45.50",
        _at(2, 27),
    )
    # Tickets met, late, cancelled before and after being late, of three technicians.
    wang, li = TechnicianFactory(), TechnicianFactory()
    for n, (month, day) in enumerate([(1, 6), (1, 19), (2, 2), (2, 23), (3, 3), (3, 16), (3, 19)]):
        for k, (tier, zone) in enumerate(
            [("rapid", "base"), ("basic", "xiamen_mainland"), ("value_added", "base")]
        ):
            _ticket(
                wang if (n + k) % 2 else li,
                reported=_at(month, day, 9 + k, 7 * n),
                tier=tier,
                zone=zone,
                arrive=60 + 41 * ((n * 3 + k) % 7),
            )
    _ticket(None, reported=_at(2, 5, 10), tier="rapid", zone="base", arrive=None)
    _ticket(None, reported=_at(3, 6, 10), tier="basic", zone="base", arrive=None, late=True)
    return {"units": units, "category": laptops, "model": epson, "depot": west, "tech": wang}


def _figures(tables) -> list:
    return [(t.key, t.rows, t.total) for t in tables]


def _variants(company) -> list:
    """Each report, grain and filter a page offers, as (name, call with `live`)."""
    out = []
    for grain in ("month", "week"):
        for group in ("category", "model", "unit"):
            out.append(
                (
                    f"utilisation {grain} {group}",
                    lambda live, g=grain, gr=group: utilisation(
                        period=PERIOD, grain=g, group=gr, now=NOW, live=live
                    ),
                )
            )
        for filters in ({"category": company["category"].pk}, {"depot": company["depot"].pk}):
            out.append(
                (
                    f"utilisation {grain} {filters}",
                    lambda live, g=grain, f=filters: utilisation(
                        period=PERIOD, grain=g, group="model", now=NOW, live=live, **f
                    ),
                )
            )
        for tier in (None, "rapid"):
            out.append(
                (
                    f"revenue {grain} {tier}",
                    lambda live, g=grain, t=tier: reports.revenue(
                        period=PERIOD, grain=g, tier=t, now=NOW, live=live
                    ),
                )
            )
        for filters in ({}, {"category": company["category"].pk}, {"depot": company["depot"].pk}):
            out.append(
                (
                    f"returns {grain} {filters}",
                    lambda live, g=grain, f=filters: reports.returns(
                        period=PERIOD, grain=g, now=NOW, live=live, **f
                    ),
                )
            )
        for filters in (
            {},
            {"tier": "basic"},
            {"zone": "base"},
            {"technician": company["tech"].pk},
        ):
            out.append(
                (
                    f"service {grain} {filters}",
                    lambda live, g=grain, f=filters: service_report(
                        period=PERIOD, grain=g, now=NOW, live=live, **f
                    ),
                )
            )
    for tier in (None, "basic"):
        out.append(
            (
                f"customers {tier}",
                lambda live, t=tier: reports.customers(period=PERIOD, tier=t, now=NOW, live=live),
            )
        )
    for filters in ({}, {"model": company["model"].pk}, {"depot": company["depot"].pk}):
        out.append(
            (
                f"per unit {filters}",
                lambda live, f=filters: reports.per_unit(period=PERIOD, now=NOW, live=live, **f),
            )
        )
    return out


def test_every_report_reads_from_its_rollup_what_it_computes_from_the_facts(company):
    live = {name: _figures(call(True)) for name, call in _variants(company)}
    rollups_refresh(months=MONTHS, now=NOW)

    for name, call in _variants(company):
        assert _figures(call(False)) == live[name], name
    # Not an empty comparison: the figures are there.
    revenue = reports.revenue(period=PERIOD, now=NOW)[0]
    assert revenue.total["rent"] == Decimal("4870.00") and revenue.total["outstanding"] > 0
    service = service_report(period=PERIOD, now=NOW)[0].total
    assert (service["tickets"], service["met"] + service["late"]) == (23, 22)
    returns = reports.returns(period=PERIOD, now=NOW)[0].total
    assert (returns["returned"], returns["late"], returns["damaged"]) == (5, 3, 1)


def _rows() -> dict[str, list]:
    out = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            columns = [c.name for c in cursor.description]
            out[table] = sorted(
                tuple(v for k, v in zip(columns, row, strict=True) if k != "id")
                for row in cursor.fetchall()
            )
    return out


def test_refreshing_twice_gives_the_same_rows(company):
    rollups_refresh(months=MONTHS, now=NOW)
    first = _rows()
    assert all(first[table] for table in TABLES)
    rollups_refresh(months=MONTHS, now=NOW)
    rollups_refresh(months=MONTHS[-1:], now=NOW)
    assert _rows() == first


def test_a_refresh_drops_the_cells_whose_facts_are_gone(company):
    rollups_refresh(months=MONTHS, now=NOW)
    Ticket.objects.filter(reported_at__gte=_at(3, 1)).update(zone="xiamen_mainland")
    rollups_refresh(months=MONTHS[-1:], now=NOW)
    assert (
        service_report(period=PERIOD, now=NOW)[2].rows
        == service_report(period=PERIOD, now=NOW, live=True)[2].rows
    )


def test_a_month_the_rollups_do_not_hold_is_computed_from_the_facts(company):
    rollups_refresh(months=MONTHS[-1:], now=NOW)  # March only: January and February are not there
    assert _figures(reports.revenue(period=PERIOD, now=NOW)) == _figures(
        reports.revenue(period=PERIOD, now=NOW, live=True)
    )
    assert _figures(service_report(period=PERIOD, now=NOW)) == _figures(
        service_report(period=PERIOD, now=NOW, live=True)
    )


def test_one_entry_point_refreshes_every_rollup():
    assert set(rollups_refresh(months=MONTHS, now=NOW)) == set(REFRESHES)


def test_the_backfill_command_fills_every_rollup_for_the_months_asked():
    from django.core.management import call_command
    from django.utils import timezone

    from rental.core.periods import months_of
    from rental.core.reports import rollup_covers
    from rental.core.timeutil import local

    months = months_of(last_months(local(timezone.now()).date(), 4))
    assert not rollup_covers("revenue", months)
    call_command("refresh_rollups", months=4, stdout=io.StringIO())
    for name in (
        "utilisation",
        "utilisation_weeks",
        "per_unit",
        "revenue",
        "returns",
        "service",
        "customers",
    ):
        assert rollup_covers(name, months), name


def test_the_service_page_as_it_opens_shows_the_percentiles_of_the_facts(company):
    """Its percentiles are stored by the refresh for the last six months; they equal what the
    raw tickets give, per month and per week, and follow a correction at the next refresh."""
    opening = last_months(NOW.date())
    months = [b.start.date() for b in opening.buckets("month")]
    rollups_refresh(months=months, now=NOW)
    stored = {
        grain: ServicePercentile.objects.filter(whole_month=grain == "month").count()
        for grain in ("month", "week")
    }
    assert stored["month"] and stored["week"]

    def both(live: bool) -> list:
        return [
            _figures(service_report(period=opening, grain=g, now=NOW, live=live))
            for g in ("month", "week")
        ]

    assert both(False) == both(True)
    assert service_report(period=opening, now=NOW)[0].total["arrive_p50"] is not None

    Ticket.objects.filter(reported_at__gte=_at(3, 1), minutes_to_arrive__isnull=False).update(
        minutes_to_arrive=F("minutes_to_arrive") + 500
    )
    rollups_refresh(months=months[-1:], now=NOW)
    assert both(False) == both(True)
    before = sorted(
        ServicePercentile.objects.values_list(
            "first",
            "last",
            "whole_month",
            "dim",
            "key",
            "arrive_p50",
            "arrive_p90",
            "resolve_p50",
            "resolve_p90",
        )
    )
    rollups_refresh(months=months[-1:], now=NOW)
    assert (
        sorted(
            ServicePercentile.objects.values_list(
                "first",
                "last",
                "whole_month",
                "dim",
                "key",
                "arrive_p50",
                "arrive_p90",
                "resolve_p50",
                "resolve_p90",
            )
        )
        == before
    )


def test_a_weekly_report_reads_whole_weeks_and_the_weeks_cut_at_its_edges(company):
    """Weeks within the period from the whole-week rollup, the first and last (cut at the
    period's edges) from the pieces: the same hours as the calendar, over a period that starts
    and ends mid-week, and after a correction refreshed in one of a straddling week's months."""
    rollups_refresh(months=MONTHS, now=NOW)
    period = Period(first=date(2026, 1, 1), last=date(2026, 2, 28))  # Thursday to Saturday
    for group in ("category", "unit"):
        assert _figures(utilisation(period=period, grain="week", group=group, now=NOW)) == (
            _figures(utilisation(period=period, grain="week", group=group, now=NOW, live=True))
        )
    # A rental booked late into the week of 26 January – 1 February, then only February
    # refreshed: the whole week is recomputed, its January days too.
    start, end = _at(1, 30, 8), _at(2, 1, 20)
    free = next(
        a
        for a in company["units"]
        if not CalendarEntry.objects.filter(asset=a, starts_at__lt=end, ends_at__gt=start).exists()
    )
    calendar_entry(free, "rental", start, end)
    rollups_refresh(months=MONTHS[1:2], now=NOW)
    weeks = utilisation(period=period, grain="week", group="unit", now=NOW)[0].rows
    assert (
        weeks == utilisation(period=period, grain="week", group="unit", now=NOW, live=True)[0].rows
    )
