"""Rent pricing (DOMAIN.md "Rent"): the cheapest cover of the started hours by the rate card."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from catalog.pricing import (
    PricingError,
    RentBreakdown,
    RentLine,
    rent_breakdown,
    rent_for_period,
)
from rental.core.errors import ApplicationError

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
# The DOMAIN.md rate card: 5/h, 30/d, 150/wk, 400/mo.
CARD = {
    "hour": Decimal("5.00"),
    "day": Decimal("30.00"),
    "week": Decimal("150.00"),
    "month": Decimal("400.00"),
}
SIZES = {"month": 720, "week": 168, "day": 24, "hour": 1}


def rent(duration: timedelta, card: dict[str, Decimal] = CARD) -> Decimal:
    return rent_for_period(**card, start=START, end=START + duration)


# --- DOMAIN.md examples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (timedelta(hours=3), Decimal("15.00")),
        (timedelta(hours=8), Decimal("30.00")),
        (timedelta(days=9), Decimal("210.00")),
        (timedelta(days=6), Decimal("150.00")),
        (timedelta(days=40), Decimal("640.00")),
    ],
)
def test_domain_examples(duration, expected):
    # given the DOMAIN.md rate card and a period
    # when the rent is priced
    total = rent(duration)
    # then it is the amount DOMAIN.md gives
    assert total == expected


def test_forty_days_breakdown_lines():
    # given 40 days on the DOMAIN.md card
    # when it is broken down
    with translation.override("en"):
        breakdown = rent_breakdown(**CARD, start=START, end=START + timedelta(days=40))
        labels = [line.label for line in breakdown.lines]
    # then it is a month, a week and three days, in that order
    assert breakdown == RentBreakdown(
        lines=(
            RentLine(unit="month", count=1, rate=Decimal("400.00"), amount=Decimal("400.00")),
            RentLine(unit="week", count=1, rate=Decimal("150.00"), amount=Decimal("150.00")),
            RentLine(unit="day", count=3, rate=Decimal("30.00"), amount=Decimal("90.00")),
        ),
        hours=960,
        total=Decimal("640.00"),
    )
    assert labels == ["1 × month at ¥400.00", "1 × week at ¥150.00", "3 × day at ¥30.00"]


def test_breakdown_of_three_hours_is_one_hour_line():
    # given 3 hours
    # when broken down
    with translation.override("en"):
        breakdown = rent_breakdown(**CARD, start=START, end=START + timedelta(hours=3))
        labels = [line.label for line in breakdown.lines]
    # then one line of 3 hours, and no empty lines for the other units
    assert breakdown.lines == (
        RentLine(unit="hour", count=3, rate=Decimal("5.00"), amount=Decimal("15.00")),
    )
    assert labels == ["3 × hour at ¥5.00"]
    assert breakdown.hours == 3


def test_rent_for_period_is_the_breakdown_total():
    # given a period of 9 days 5 hours
    end = START + timedelta(days=9, hours=5)
    # when priced both ways
    # then the totals agree: 1 week + 2 days + 5 hours = 150 + 60 + 25
    assert rent_for_period(**CARD, start=START, end=end) == Decimal("235.00")
    assert rent_breakdown(**CARD, start=START, end=end).total == Decimal("235.00")


# --- started hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "hours"),
    [
        (timedelta(seconds=1), 1),
        (timedelta(minutes=60), 1),
        (timedelta(minutes=61), 2),
        (timedelta(hours=2, minutes=1), 3),
        (timedelta(hours=2, microseconds=1), 3),
        (timedelta(days=1), 24),
    ],
)
def test_started_hours_are_charged_whole(duration, hours):
    # given a period that may end part-way into an hour
    # when broken down
    breakdown = rent_breakdown(**CARD, start=START, end=START + duration)
    # then every started hour is charged
    assert breakdown.hours == hours


def test_two_hours_one_minute_costs_three_hours():
    # given 2 h 1 min on the DOMAIN.md card
    # when priced
    # then it is 3 started hours at 5
    assert rent(timedelta(hours=2, minutes=1)) == Decimal("15.00")


def test_period_across_midnight_and_month_end_in_shanghai():
    # given a period across a month end on the Shanghai wall clock (no daylight saving there)
    start = datetime(2025, 3, 31, 22, 0, tzinfo=SHANGHAI)
    end = datetime(2025, 4, 1, 22, 0, tzinfo=SHANGHAI)
    # when priced
    breakdown = rent_breakdown(**CARD, start=start, end=end)
    # then it is exactly one day
    assert breakdown.hours == 24
    assert breakdown.total == Decimal("30.00")


def test_period_given_in_different_zones_counts_elapsed_time():
    # given a start on the Shanghai clock and an end in UTC, 5 h later in real time
    start = datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI)  # 01:00 UTC
    end = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    # when priced
    breakdown = rent_breakdown(**CARD, start=start, end=end)
    # then 5 hours are charged although the wall clocks read 09:00 and 06:00
    assert breakdown.hours == 5
    assert breakdown.total == Decimal("25.00")


def test_period_across_a_daylight_saving_change_counts_elapsed_hours():
    # given a wall-clock day in Berlin that has only 23 real hours (clocks go forward)
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2025, 3, 30, 0, 0, tzinfo=berlin)
    end = datetime(2025, 3, 31, 0, 0, tzinfo=berlin)
    # when priced with a card where 23 hours are cheaper than a day
    breakdown = rent_breakdown(
        hour=Decimal("1"),
        day=Decimal("24"),
        week=Decimal("168"),
        month=Decimal("720"),
        start=start,
        end=end,
    )
    # then the 23 hours that passed are charged, not the 24 the wall clock shows
    assert breakdown.hours == 23
    assert breakdown.total == Decimal("23.00")


# --- rate cards outside the usual shape --------------------------------------------------------


def test_day_rate_above_24_hours_means_hours_win():
    # given a day rate more than 24 × the hourly rate
    card = {**CARD, "day": Decimal("200.00")}
    # when a full day is priced
    # then 24 hours at 5 are charged
    assert rent(timedelta(days=1), card) == Decimal("120.00")


def test_equal_cost_prefers_the_cover_closest_to_the_period():
    # given the DOMAIN.md card, where 5 days and a week both cost 150
    # when 5 days are broken down
    breakdown = rent_breakdown(**CARD, start=START, end=START + timedelta(days=5))
    # then the 5 days are shown rather than a week
    assert breakdown.lines == (
        RentLine(unit="day", count=5, rate=Decimal("30.00"), amount=Decimal("150.00")),
    )


def test_free_units_cost_nothing():
    # given a card with every rate at 0
    card = dict.fromkeys(CARD, Decimal("0"))
    # when any period is priced
    breakdown = rent_breakdown(**card, start=START, end=START + timedelta(days=45, minutes=1))
    # then it costs 0.00 and the hours are still counted
    assert breakdown.total == Decimal("0.00")
    assert breakdown.hours == 45 * 24 + 1


def test_rates_are_rounded_half_up_to_the_fen():
    # given rates with more than two decimals, passed as str and int
    # when 1 hour is priced
    total = rent_for_period(
        hour="0.125", day=100, week=1000, month=10000, start=START, end=START + timedelta(hours=1)
    )
    # then the hourly rate is taken as 0.13
    assert total == Decimal("0.13")


def test_ten_years_is_priced_without_walking_every_hour():
    # given a period of 3650 days (87,600 hours)
    # when priced
    breakdown = rent_breakdown(**CARD, start=START, end=START + timedelta(days=3650))
    # then 121 months leave 20 days, which cost more as weeks and days (3 weeks: 450) than as a
    # 122nd month (400), so it is 122 months
    assert breakdown.hours == 87_600
    assert breakdown.total == Decimal("48800.00")
    assert [(line.unit, line.count) for line in breakdown.lines] == [("month", 122)]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [START, START - timedelta(minutes=1)])
def test_end_not_after_start_is_refused(end):
    # given an end at or before the start
    # when priced
    with translation.override("en"), pytest.raises(PricingError) as caught:
        rent_for_period(**CARD, start=START, end=end)
    # then a user-facing error explains it
    assert isinstance(caught.value, ApplicationError)
    assert caught.value.code == "invalid_period"
    assert str(caught.value) == "The end of a rental must be after its start."


@pytest.mark.parametrize("unit", ["hour", "day", "week", "month"])
def test_negative_rate_is_refused(unit):
    # given a card with one negative rate
    card = {**CARD, unit: Decimal("-0.01")}
    # when priced
    with translation.override("en"), pytest.raises(PricingError) as caught:
        rent(timedelta(hours=1), card)
    # then the error names the rate
    adjective = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}[unit]
    assert caught.value.code == "negative_rate"
    assert caught.value.extra == {"unit": unit}
    assert str(caught.value) == f"The {adjective} rate must not be negative."


def test_tiny_negative_rate_is_refused_before_rounding():
    # given a rate that would round to -0.00
    card = {**CARD, "hour": Decimal("-0.001")}
    # when priced
    # then it is still refused, not treated as free
    with pytest.raises(PricingError):
        rent(timedelta(hours=1), card)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), "abc"])
def test_non_finite_rate_is_refused(value):
    # given a rate that is not an amount
    card = {**CARD, "day": value}
    # when priced
    with translation.override("en"), pytest.raises(PricingError) as caught:
        rent(timedelta(hours=1), card)
    # then it is refused
    assert caught.value.code == "invalid_rate"
    assert str(caught.value) == "A rate must be a finite amount."


def test_float_rate_is_refused():
    # given a float rate
    card = {**CARD, "hour": 5.0}
    # when priced
    # then it is refused: money is never a float
    with pytest.raises(TypeError):
        rent(timedelta(hours=1), card)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2025, 3, 1, 9, 0), datetime(2025, 3, 1, 12, 0, tzinfo=SHANGHAI)),
        (datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI), datetime(2025, 3, 1, 12, 0)),
        (datetime(2025, 3, 1, 9, 0), datetime(2025, 3, 1, 12, 0)),
    ],
)
def test_naive_datetime_is_refused(start, end):
    # given a period with a naive end, start or both
    # when priced
    with translation.override("en"), pytest.raises(PricingError) as caught:
        rent_for_period(**CARD, start=start, end=end)
    # then a user-facing error explains it
    assert caught.value.code == "naive_datetime"
    assert str(caught.value) == "A time must include a time zone."


# --- properties ------------------------------------------------------------------------------

rates = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: Decimal(cents) / 100)
cards = st.fixed_dictionaries({"hour": rates, "day": rates, "week": rates, "month": rates})
starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(SHANGHAI)
)
# Up to ~3 months (92 days), to the microsecond.
durations = st.integers(min_value=1, max_value=92 * 24 * 3600 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)
long_durations = st.integers(min_value=1, max_value=20 * 365 * 24 * 3600).map(
    lambda s: timedelta(seconds=s)
)


def reference_cost_in_cents(hours: int, card: tuple[int, int, int, int]) -> int:
    """Brute force: the cheapest cover of every h ≤ hours, one hour at a time (O(hours))."""
    costs = dict(zip(("hour", "day", "week", "month"), card, strict=True))
    best = [0] * (hours + 1)
    for h in range(1, hours + 1):
        best[h] = min(cost + best[max(0, h - SIZES[unit])] for unit, cost in costs.items())
    return best[hours]


def cents(card: dict[str, Decimal]) -> tuple[int, int, int, int]:
    return tuple(int(card[unit] * 100) for unit in ("hour", "day", "week", "month"))


@given(card=cards, start=starts, duration=long_durations)
def test_never_more_than_the_whole_period_at_the_hourly_rate(card, start, duration):
    # given any card and period (up to 20 years)
    breakdown = rent_breakdown(**card, start=start, end=start + duration)
    # then the rent is at most every started hour at the hourly rate
    assert breakdown.total <= card["hour"] * breakdown.hours


@given(card=cards, start=starts, shorter=long_durations, extra=long_durations)
def test_a_longer_period_never_costs_less(card, start, shorter, extra):
    # given two periods from the same start, one longer
    short_rent = rent_for_period(**card, start=start, end=start + shorter)
    long_rent = rent_for_period(**card, start=start, end=start + shorter + extra)
    # then the longer one costs at least as much
    assert long_rent >= short_rent


@settings(max_examples=300, deadline=None)
@given(card=cards, start=starts, duration=durations)
@example(card=CARD, start=START, duration=timedelta(days=6))
@example(
    card={"hour": Decimal("1"), "day": Decimal("100"), "week": Decimal("7"), "month": Decimal("0")},
    start=START,
    duration=timedelta(days=31),
)
@example(
    card={
        "hour": Decimal("3"),
        "day": Decimal("50"),
        "week": Decimal("200"),
        "month": Decimal("851"),
    },
    start=START,
    duration=timedelta(days=91, hours=23),
)
def test_rent_equals_a_brute_force_optimum(card, start, duration):
    # given any non-negative card and a period of up to ~3 months
    breakdown = rent_breakdown(**card, start=start, end=start + duration)
    # then the rent is exactly the cheapest cover found by trying every hour
    assert breakdown.total * 100 == reference_cost_in_cents(breakdown.hours, cents(card))


# Rates close to one price per hour, where mixed covers (weeks against months, days against
# weeks) are most often the cheapest and the search bounds matter most.
near_equal_cards = st.builds(
    lambda per_hour, factors: {
        unit: Decimal(int(SIZES[unit] * per_hour * factor)) / 100
        for unit, factor in zip(("hour", "day", "week", "month"), factors, strict=True)
    },
    per_hour=st.integers(min_value=1, max_value=2_000),
    factors=st.tuples(*[st.floats(min_value=0.5, max_value=1.5)] * 4),
)


@settings(max_examples=60, deadline=None)
@given(card=near_equal_cards, hours=st.integers(min_value=1, max_value=400 * 24))
@example(
    # 29 weeks: months are cheapest per hour, yet 29 weeks beat 7 months or 6 months + 4 weeks.
    card={
        "hour": Decimal("50"),
        "day": Decimal("500"),
        "week": Decimal("169"),
        "month": Decimal("720"),
    },
    hours=29 * 168,
)
def test_rent_equals_a_brute_force_optimum_over_a_year(card, hours):
    # given a card with near-equal prices per hour and a period of up to 400 days
    breakdown = rent_breakdown(**card, start=START, end=START + timedelta(hours=hours))
    # then the rent is exactly the cheapest cover found by trying every hour
    assert breakdown.total * 100 == reference_cost_in_cents(hours, cents(card))


def test_many_weeks_can_beat_cheaper_months():
    # given months cheaper per hour (1.00/h) than weeks (169 / 168 h), and days dear
    card = {
        "hour": Decimal("50"),
        "day": Decimal("500"),
        "week": Decimal("169"),
        "month": Decimal("720"),
    }
    # when 29 weeks are priced
    breakdown = rent_breakdown(**card, start=START, end=START + timedelta(weeks=29))
    # then 29 weeks (4,901) beat 7 months (5,040) and 6 months + 4 weeks (4,996)
    assert [(line.unit, line.count) for line in breakdown.lines] == [("week", 29)]
    assert breakdown.total == Decimal("4901.00")


@given(card=cards, start=starts, duration=long_durations)
def test_breakdown_lines_sum_to_total_and_cover_the_hours(card, start, duration):
    # given any card and period
    breakdown = rent_breakdown(**card, start=start, end=start + duration)
    # then each line is count × rate, lines are in month → hour order with none empty,
    # they add up to the total, and they cover at least the hours charged
    units = [line.unit for line in breakdown.lines]
    assert units == sorted(units, key=["month", "week", "day", "hour"].index)
    assert len(set(units)) == len(units)
    for line in breakdown.lines:
        assert line.count > 0
        assert line.rate == card[line.unit]
        assert line.amount == line.rate * line.count
    assert sum(line.amount for line in breakdown.lines) == breakdown.total
    assert sum(SIZES[line.unit] * line.count for line in breakdown.lines) >= breakdown.hours
    assert breakdown.hours == -(-duration // timedelta(hours=1))
