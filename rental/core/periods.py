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
