"""Every report rollup, refreshed from one place.

A rollup is a table of figures per unit or cell and month (or piece of a week cut at the months'
edges) that a report reads for whole months instead of the raw rows, because aggregating
200,000 calendar ranges, 180,000 contract units or 100,000 tickets per page is too slow at a real
company's size (bench/reports.py). Each refresh is one idempotent statement per rollup — an
upsert, or a delete and insert of the months' rows in one transaction — so running it twice, or a
redelivered task running it again, leaves the same rows. Beat refreshes the current month every
five minutes and the last three months nightly (late returns and corrections after the fact).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from catalog.reports import unit_months_refresh, unit_weeks_refresh
from contracts.reports import (
    contract_months_refresh,
    return_pieces_refresh,
    revenue_pieces_refresh,
    unit_month_rentals_refresh,
)
from rental.core.periods import span
from rental.core.timeutil import local
from service_tickets.reports import ticket_pieces_refresh

REFRESHES: dict[str, Callable[..., int]] = {
    "utilisation per month": unit_months_refresh,
    "utilisation per week": unit_weeks_refresh,
    "per unit": unit_month_rentals_refresh,
    "revenue": revenue_pieces_refresh,
    "returns": return_pieces_refresh,
    "customers": contract_months_refresh,
    "service": ticket_pieces_refresh,
}


def rollups_refresh(*, months: list[date], now: datetime | None = None) -> dict[str, float]:
    """Recompute every rollup for these months (and those between them) up to `now`; returns
    the seconds each took. Each rollup in its own transaction, so readers never see a half."""
    now = now or timezone.now()
    months = span([m.replace(day=1) for m in months])
    took = {}
    for name, refresh in REFRESHES.items():
        began = time.perf_counter()
        with transaction.atomic():
            _bulk_plans_only()
            refresh(months=months, now=now)
        took[name] = time.perf_counter() - began
    return took


def _bulk_plans_only() -> None:
    """A rollup aggregates whole months, where a nested loop over an index is never the right
    plan; but the planner picks one when a table's statistics are missing or stale (filled since
    the last ANALYZE: the demo just built, a large import), and then a refresh of well under a
    second takes minutes (seen: the demo's returns, 0.3 s with statistics, 27 s without, quadratic
    in the rows). For this transaction only, nested loops are the last resort."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")


def months_back(today: date, count: int) -> list[date]:
    """This month and the `count - 1` before it."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return sorted(months)


def refresh_current() -> None:
    """The current month (and, in the first days of a month, the one before: late returns)."""
    today = local(timezone.now()).date()
    rollups_refresh(months=months_back(today, 2 if today.day <= 3 else 1))


def refresh_recent() -> None:
    rollups_refresh(months=months_back(local(timezone.now()).date(), 3))
