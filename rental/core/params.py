"""Query parameters people type or edit in the address bar, parsed without ever raising.

Dates outside 2000–2100 are nobody's booking and would overflow date arithmetic further on
(a day after 9999-12-31 does not exist), so they count as not given.
"""

from __future__ import annotations

from datetime import date

from django.utils.dateparse import parse_date

MIN_YEAR = 2000
MAX_YEAR = 2100


def in_range(day: date | None) -> date | None:
    if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    return day


def parse_day(value: str | None) -> date | None:
    """`YYYY-MM-DD` within 2000–2100, else None (Feb 30, year 9999, garbage)."""
    try:
        return in_range(parse_date((value or "").strip()[:10]))
    except ValueError:
        return None


def parse_month(value: str | None) -> date | None:
    """`YYYY-MM` as the first of that month within 2000–2100, else None."""
    parts = (value or "").strip().split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    try:
        return in_range(date(int(parts[0]), int(parts[1]), 1))
    except ValueError:
        return None
