"""A rental period in words, as the rules count it: "1 小时", "6 天 1 小时 · 计 7 天".

Pages, the contract PDF and service tickets all say a period's length through this one function,
so a 1-hour rental never reads "1 day" anywhere. The count of days after "·" is `rental_days`
(started 24-hour periods), the figure the response-time rules use; it is shown only when it
differs from what the words already say.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.translation import ngettext

from .sla import rental_days


def duration_words(elapsed: timedelta) -> str:
    """A length of time in days, hours and minutes, leaving out the parts that are zero."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes or not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


def period_words(*, start: datetime, end: datetime) -> str:
    """The period's length, and the days it counts as when that is not obvious from the words.

    1 h → "1 小时"; 3 × 24 h → "3 天"; 6 days 1 hour → "6 天 1 小时 · 计 7 天".
    """
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    words = duration_words(elapsed)
    if elapsed >= timedelta(days=1) and elapsed % timedelta(days=1):
        counted = rental_days(start=start, end=end)
        words += " · " + ngettext("counted as %(n)d day", "counted as %(n)d days", counted) % {
            "n": counted
        }
    return words


__all__ = ["duration_words", "period_words"]
