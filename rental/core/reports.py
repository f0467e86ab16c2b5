"""What every report shares: tables of plain rows computed by the database, and their columns.

A report selector returns `Table`s; the page, the CSV, the Excel sheet and the chart all render
those same rows, so the figures cannot disagree between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection

from .periods import months_of
from .timeutil import local

# How a column's values are shown and exported.
TEXT, INT, MONEY, HOURS, PERCENT, MINUTES = "text", "int", "money", "hours", "percent", "minutes"
NUMERIC = (INT, MONEY, HOURS, PERCENT, MINUTES)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    kind: str = TEXT
    # Summed in the total row (percentages and medians are recomputed, never summed).
    summed: bool = False


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    # The chart drawn above the table: which column is the x axis, which are the series.
    chart_x: str | None = None
    chart_series: list[str] = field(default_factory=list)
    chart_kind: str = "bar"  # bar, line, or "bar+line" (the last series on a percent axis)
    note: Any = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def fetch(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of one SQL statement as dicts (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def percent(part, whole) -> Decimal | None:
    """part ÷ whole in percent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(str(part)) / Decimal(str(whole))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def hours(value) -> Decimal:
    """Hours to one decimal."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def minutes(value) -> int | None:
    return None if value is None else int(Decimal(str(value)).quantize(Decimal("1"), ROUND_HALF_UP))


def rollup_covers(name: str, months: list) -> bool:
    """Whether the rollup `name` holds every one of these months (one query)."""
    if not months:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM core_rollupmonth WHERE name = %s AND month = ANY(%s::date[])",
            [name, list(months)],
        )
        return cursor.fetchone()[0] == len(set(months))


def rollup_mark(name: str, months: list, now) -> None:
    """Record that the rollup `name` now holds these months, computed up to `now`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_rollupmonth (name, month, computed_until)
            SELECT %s, m, %s FROM unnest(%s::date[]) AS m
            ON CONFLICT (name, month) DO UPDATE SET computed_until = EXCLUDED.computed_until
            """,
            [name, now, sorted(set(months))],
        )


def whole_months(period, now) -> bool:
    """From the first of a month to the end of a month, or to today: made of whole rollup
    pieces."""
    following = period.last + timedelta(days=1)
    return period.first.day == 1 and (following.day == 1 or period.last >= local(now).date())


def reads_rollup(name: str, period, now, live: bool) -> bool:
    """A report reads its rollup over whole months that the rollup holds, else the facts."""
    return not live and whole_months(period, now) and rollup_covers(name, months_of(period))
