"""Report periods: a span of Shanghai calendar days cut into weeks or months.

Reports pass the buckets to SQL as arrays (`unnest`), so every report groups by the same
boundaries — local midnight, weeks starting on Monday — whatever the database's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .timeutil import SHANGHAI

GRAINS = ("month", "week")


@dataclass(frozen=True)
class Bucket:
    key: str  # "2026-06" or "2026-W23"
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Period:
    """From the first day's midnight to the midnight after the last day, Shanghai time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return midnight(self.first)

    @property
    def end(self) -> datetime:
        return midnight(self.last + timedelta(days=1))

    def buckets(self, grain: str = "month") -> list[Bucket]:
        """The weeks or months that overlap the period, clipped to it."""
        out: list[Bucket] = []
        day = self.first
        while day <= self.last:
            if grain == "week":
                following = day - timedelta(days=day.weekday()) + timedelta(days=7)
                iso = day.isocalendar()
                key = f"{iso.year}-W{iso.week:02d}"
            else:
                following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                key = f"{day:%Y-%m}"
            following = min(following, self.last + timedelta(days=1))
            out.append(Bucket(key=key, start=midnight(day), end=midnight(following)))
            day = following
        return out


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def last_months(today: date, months: int = 6) -> Period:
    """The current month and the `months - 1` before it, up to today."""
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(first=date(year, month, 1), last=today)


def bucket_arrays(buckets: list[Bucket]) -> dict[str, list]:
    """SQL parameters: %(keys)s, %(los)s, %(his)s, for `unnest(...) AS b(bucket, lo, hi)`."""
    return {
        "keys": [b.key for b in buckets],
        "los": [b.start for b in buckets],
        "his": [b.end for b in buckets],
    }


BUCKETS_SQL = "unnest(%(keys)s::text[], %(los)s::timestamptz[], %(his)s::timestamptz[])"


def month_pieces(months: list[date], now: datetime) -> list[Bucket]:
    """The weeks of these months cut at each month's edges, keyed by the piece's first day
    ("2026-06-01"), up to `now`. Rollups keep a row per piece, so a month is the sum of its pieces
    and a week within a period of whole months the sum of the pieces in it."""
    pieces: list[Bucket] = []
    for month in sorted({m.replace(day=1) for m in months}):
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last = following - timedelta(days=1)
        for week in Period(first=month, last=last).buckets("week"):
            if week.start >= now:
                break
            pieces.append(
                Bucket(key=f"{week.start:%Y-%m-%d}", start=week.start, end=min(week.end, now))
            )
    return pieces


def months_of(period: Period) -> list[date]:
    return [b.start.date() for b in period.buckets("month")]


# The SQL that turns a piece's first day into the key of the week or month it belongs to (the
# same keys as `Period.buckets`).
BUCKET_KEY_SQL = {"month": "to_char({day}, 'YYYY-MM')", "week": "to_char({day}, 'IYYY-\"W\"IW')"}


def span(months: list[date]) -> list[date]:
    """Every month from the first of these to the last."""
    if not months:
        return []
    out, month, last = [], min(months).replace(day=1), max(months).replace(day=1)
    while month <= last:
        out.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out
