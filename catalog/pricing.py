"""Rent for a period: the cheapest cover of its started hours by a model's rate card.

DOMAIN.md ("Rent"): a rate card prices an hour, a day (24 h), a week (7 days) and a month
(30 days); the rent is the cheapest way to cover the period with those units, and covering more
than the period is allowed when it is cheaper (6 days at 30/d cost more than a week at 150).
This module is pure: plain values in, a `RentBreakdown` out, so quotes, contracts and late-return
charges all price the same way and a customer can be shown each line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import product
from math import lcm
from typing import Literal

from django.utils.translation import gettext, gettext_noop, ngettext

from rental.core.errors import ApplicationError
from rental.core.money import cny, format_cny, plain_number
from rental.core.timeutil import local, require_aware

Unit = Literal["month", "week", "day", "hour"]

HOURS_PER_UNIT: dict[Unit, int] = {"month": 30 * 24, "week": 7 * 24, "day": 24, "hour": 1}
UNITS: tuple[Unit, ...] = ("month", "week", "day", "hour")  # the order lines are shown in

_ONE_HOUR = timedelta(hours=1)
_ALL_SIZES_LCM = lcm(*HOURS_PER_UNIT.values())  # 5040

# Word order differs between languages ("1 × month at ¥400.00", "1 个月 × ¥400.00"), so each unit
# has its own whole phrase to translate instead of a unit name pasted into a shared template.
_LINE_LABELS: dict[Unit, str] = {
    "month": gettext_noop("%(count)s × month at %(rate)s"),
    "week": gettext_noop("%(count)s × week at %(rate)s"),
    "day": gettext_noop("%(count)s × day at %(rate)s"),
    "hour": gettext_noop("%(count)s × hour at %(rate)s"),
}
_NEGATIVE_RATE: dict[Unit, str] = {
    "month": gettext_noop("The monthly rate must not be negative."),
    "week": gettext_noop("The weekly rate must not be negative."),
    "day": gettext_noop("The daily rate must not be negative."),
    "hour": gettext_noop("The hourly rate must not be negative."),
}


class PricingError(ApplicationError):
    """A rent cannot be priced from these inputs (bad period or rate card)."""


@dataclass(frozen=True)
class RentLine:
    """`count` units of one kind at the card's rate; `amount` is count × rate."""

    unit: Unit
    count: int
    rate: Decimal
    amount: Decimal

    @property
    def label(self) -> str:
        """The line as the customer reads it on a quote or contract, in the active language."""
        return gettext(_LINE_LABELS[self.unit]) % {
            "count": self.count,
            "rate": format_cny(self.rate),
        }


def rent_line_text(item: RentLine | dict | str) -> str:
    """A rent line in the active language, from the line itself or the facts a quote keeps
    ({"unit": "day", "count": 2, "rate": "30.00"}); text kept by older quotes is shown as is."""
    if isinstance(item, RentLine):
        return item.label
    if isinstance(item, dict):
        return gettext(_LINE_LABELS[item["unit"]]) % {
            "count": item["count"],
            "rate": format_cny(Decimal(item["rate"])),
        }
    return str(item)


@dataclass(frozen=True)
class RentBreakdown:
    """The cheapest cover: its lines (month → hour, no empty ones), hours charged and total."""

    lines: tuple[RentLine, ...]
    hours: int
    total: Decimal


@dataclass(frozen=True)
class PeriodProblem:
    code: str
    message: str


def rental_period_problem(
    *, starts_at: datetime, ends_at: datetime, now: datetime
) -> PeriodProblem | None:
    """Why a rental cannot have this period, or None: both ends carry a time zone, fall on the
    hour, the end is after the start, and the start is not in the past (the hour already begun
    is the past). Forms and services ask this one rule."""
    for value in (starts_at, ends_at):
        if value.tzinfo is None or value.utcoffset() is None:
            return PeriodProblem("naive_datetime", gettext("Times must include a time zone."))
    if ends_at <= starts_at:
        return PeriodProblem("period", gettext("The end of the rental must be after its start."))
    if starts_at < now:
        return PeriodProblem("past", gettext("The rental cannot start in the past."))
    for value in (starts_at, ends_at):
        if local(value).minute or value.second or value.microsecond:
            return PeriodProblem("period", gettext("Rentals start and end on the hour."))
    return None


@dataclass(frozen=True)
class RateCard:
    """A model's prices per hour, day, week and month, as a contract keeps them at signing."""

    hour: Decimal
    day: Decimal
    week: Decimal
    month: Decimal

    def to_dict(self) -> dict[str, str]:
        return {unit: str(getattr(self, unit)) for unit in UNITS}

    @classmethod
    def from_dict(cls, data: dict) -> RateCard:
        return cls(**{unit: _check_rate(unit, data[unit]) for unit in UNITS})

    def rates(self) -> dict[str, Decimal]:
        return {unit: getattr(self, unit) for unit in UNITS}


@dataclass(frozen=True)
class ExtraRent:
    """Rent owed for more time: the amount and the lines that explain it."""

    amount: Decimal
    lines: tuple[str, ...]


def rent_for_period(
    *,
    hour: Decimal,
    day: Decimal,
    week: Decimal,
    month: Decimal,
    start: datetime,
    end: datetime,
) -> Decimal:
    """The rent for `start`–`end` in CNY; see `rent_breakdown` for the rule and the lines."""
    return rent_breakdown(hour=hour, day=day, week=week, month=month, start=start, end=end).total


def rent_breakdown(
    *,
    hour: Decimal,
    day: Decimal,
    week: Decimal,
    month: Decimal,
    start: datetime,
    end: datetime,
) -> RentBreakdown:
    """Price the period as the cheapest combination of months, weeks, days and hours.

    The period is charged in started hours of real elapsed time (61 minutes are 2 hours; a
    period spanning a daylight-saving change counts the hours that actually passed). Any
    combination covering at least those hours may be chosen, so a week can beat six days.
    The result is the exact optimum for every non-negative rate card and takes constant time
    however long the period is. When several covers cost the same, the one overshooting the
    period least is shown, then the one with fewer units: 5 days at 30 rather than a week at
    150, and a day at 24 rather than 24 hours at 1.

    Raises PricingError for a naive datetime, an end not after the start, or a negative or
    non-finite rate; TypeError for a float rate (money is never a float).
    """
    rates = {
        "month": _check_rate("month", month),
        "week": _check_rate("week", week),
        "day": _check_rate("day", day),
        "hour": _check_rate("hour", hour),
    }
    hours = started_hours(start=start, end=end)
    cents = {unit: int(rate * 100) for unit, rate in rates.items()}
    counts = _cheapest_cover(hours, cents)
    lines = tuple(
        RentLine(
            unit=unit,
            count=counts[unit],
            rate=rates[unit],
            amount=cny(rates[unit] * counts[unit]),
        )
        for unit in UNITS
        if counts[unit]
    )
    return RentBreakdown(lines=lines, hours=hours, total=cny(sum(line.amount for line in lines)))


def started_hours(*, start: datetime, end: datetime) -> int:
    """Whole hours charged for `start`–`end`: every started hour counts (2 h 1 min → 3).

    Both ends are converted to UTC first: subtracting two datetimes that share a tzinfo
    compares their wall clocks, which would be wrong across a daylight-saving change.
    """
    for value in (start, end):
        require_aware(value, error=PricingError)
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    if elapsed <= timedelta(0):
        raise PricingError(
            gettext("The end of a rental must be after its start."),
            code="invalid_period",
        )
    return -(-elapsed // _ONE_HOUR)


def _check_rate(unit: Unit, value: Decimal) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise TypeError("A rate must be a Decimal, int or str, never a float.")
    try:
        value = Decimal(value)
    except InvalidOperation:  # an unparseable string
        value = Decimal("NaN")
    if not value.is_finite():
        raise PricingError(
            gettext("A rate must be a finite amount."), code="invalid_rate", extra={"unit": unit}
        )
    # Checked before rounding so that -0.001 is refused rather than turned into a free unit.
    if value < 0:
        raise PricingError(
            gettext(_NEGATIVE_RATE[unit]), code="negative_rate", extra={"unit": unit}
        )
    return cny(value)


def _cheapest_cover(hours: int, cents: dict[Unit, int]) -> dict[Unit, int]:
    """Counts per unit of the cheapest cover of `hours`, searched in integer fen (exact).

    Why a short search is exact: rank the units by price per hour. If a unit A is used
    lcm(a, b)/a times while a unit B is cheaper per hour, those A's can be swapped for lcm(a, b)/b
    B's covering the same hours for no more money; repeating such swaps ends (hours only move to
    cheaper-ranked units), so some optimum uses each unit fewer than lcm(a, b)/a times for every
    cheaper-ranked B. The cheapest unit (size b) is then the only unbounded one and hours stay
    below b, so with weeks and days fixed the rest is either floor(rest/b) of the cheapest unit
    plus the leftover hours, or ceil(rest/b) of it alone. That leaves at most 30 × 7 × 2 covers
    (months cheapest, then weeks: < 30 weeks, < 7 days) whatever the length of the period.
    """
    # Rank by price per hour, cross-multiplied so it stays an integer (5040 is the lcm of all
    # sizes); on a tie the bigger unit ranks cheaper, so a day beats 24 hours at the same price.
    ranked = sorted(
        UNITS, key=lambda u: (cents[u] * _ALL_SIZES_LCM // HOURS_PER_UNIT[u], UNITS.index(u))
    )
    best, size = ranked[0], HOURS_PER_UNIT[ranked[0]]
    middle = [u for u in ranked[1:] if u != "hour"]
    ranges = []
    for u in middle:
        unit_size = HOURS_PER_UNIT[u]
        cheaper = ranked[: ranked.index(u)]
        swap_bound = min(lcm(unit_size, HOURS_PER_UNIT[v]) // unit_size for v in cheaper)
        # Fewer than the swap bound, and never more than would cover the period on their own.
        ranges.append(range(min(swap_bound - 1, _ceil_div(hours, unit_size)) + 1))
    # When the hour is the cheapest unit it is the "best" one; otherwise it only fills a remainder.
    hours_allowed = best != "hour"

    middle_sizes = [HOURS_PER_UNIT[u] for u in middle]
    middle_cents = [cents[u] for u in middle]
    best_cents, hour_cents = cents[best], cents["hour"]
    chosen: tuple[tuple[int, int, int], tuple[int, ...], int, int] | None = None
    for combo in product(*ranges):
        fixed_hours = sum(n * s for n, s in zip(combo, middle_sizes, strict=True))
        fixed_cost = sum(n * c for n, c in zip(combo, middle_cents, strict=True))
        fixed_units = sum(combo)
        rest = max(0, hours - fixed_hours)
        splits = [(_ceil_div(rest, size), 0)]
        if hours_allowed and rest % size:
            splits.append((rest // size, rest % size))
        for n_best, n_hours in splits:
            key = (
                fixed_cost + n_best * best_cents + n_hours * hour_cents,
                fixed_hours + n_best * size + n_hours,
                fixed_units + n_best + n_hours,
            )
            if chosen is None or key < chosen[0]:
                chosen = (key, combo, n_best, n_hours)
    assert chosen is not None  # product() of ranges that all contain 0 yields at least once
    _, combo, n_best, n_hours = chosen
    counts = dict.fromkeys(UNITS, 0) | dict(zip(middle, combo, strict=True))
    counts[best] += n_best
    if hours_allowed:
        counts["hour"] += n_hours
    return counts


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def extension_rent(
    *, card: RateCard, start: datetime, new_end: datetime, agreed: Decimal
) -> ExtraRent:
    """What an extension to `new_end` costs (DOMAIN.md "Rent", extension).

    The whole new period `start`–`new_end` is priced again by the cheapest cover at the
    contract's card, and the rent already agreed is subtracted, never below 0: with 10/h, 60/d,
    300/wk a 6-day rental (300, a week) extended by a day costs 0; a 3-day rental (180)
    extended by 2 days costs 120 (5 days = a week, 300).
    """
    whole = rent_breakdown(**card.rates(), start=start, end=new_end)
    amount = max(cny(whole.total - cny(agreed)), cny(0))
    lines = (
        gettext("Whole period %(period)s: %(lines)s = %(total)s")
        % {
            "period": _hours_text(whole.hours),
            "lines": " + ".join(line.label for line in whole.lines),
            "total": format_cny(whole.total),
        },
        gettext("Already agreed: %(agreed)s") % {"agreed": format_cny(agreed)},
        gettext("To pay for the extension: %(amount)s") % {"amount": format_cny(amount)},
    )
    return ExtraRent(amount=amount, lines=lines)


def late_return_rent(
    *, card: RateCard, due: datetime, returned: datetime, surcharge: Decimal
) -> ExtraRent:
    """The late time `due`–`returned` at the contract's card plus the late surcharge
    (DOMAIN.md "Rent": policy + 20 %); nothing when the unit came back in time."""
    if returned <= due:
        return ExtraRent(amount=cny(0), lines=())
    extra = rent_breakdown(**card.rates(), start=due, end=returned)
    amount = cny(extra.total * (1 + surcharge))
    lines = (
        gettext("Late by %(period)s: %(lines)s = %(total)s")
        % {
            "period": _hours_text(extra.hours),
            "lines": " + ".join(line.label for line in extra.lines),
            "total": format_cny(extra.total),
        },
        gettext("Late-return surcharge %(pct)s %%: %(amount)s")
        % {"pct": plain_number(surcharge * 100), "amount": format_cny(amount)},
    )
    return ExtraRent(amount=amount, lines=lines)


def _hours_text(hours: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
