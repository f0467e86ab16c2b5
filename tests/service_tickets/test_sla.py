"""Response deadlines (DOMAIN.md "Response deadline (SLA) rules"): pure, no database."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from rental.core.errors import ApplicationError
from service_tickets.sla import (
    SlaError,
    explain_response_deadline,
    rental_days,
    response_deadline,
)
from service_tickets.terms import OUTSIDE_ZONES, PUBLISHED_TERMS, TIERS, ZONES

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=SH)


def deadline(
    *, tier="rapid", zone="base", reported_at=None, days=30, terms=PUBLISHED_TERMS
) -> datetime | None:
    return response_deadline(
        tier=tier,
        zone=zone,
        reported_at=reported_at or at(4, 9, 15),
        rental_days=days,
        terms=terms,
    )


# --- rental length --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "days"),
    [
        (timedelta(0), 1),
        (timedelta(hours=5), 1),
        (timedelta(hours=24), 1),
        (timedelta(hours=24, seconds=1), 2),
        (timedelta(days=6), 6),
        (timedelta(days=6, seconds=1), 7),
        (timedelta(days=6, hours=1), 7),
        (timedelta(days=7), 7),
        (timedelta(days=30), 30),
    ],
)
def test_rental_days_counts_started_24_hour_periods(length, days):
    # given a rental period starting at 09:00 and lasting `length`
    start = at(1, 9)
    # when its length in days is counted
    counted = rental_days(start=start, end=start + length)
    # then every started 24 hours is a day, and there is at least one
    assert counted == days


def test_rental_days_measures_real_time_across_time_zones():
    # given a start on the Shanghai clock and an end written in UTC 5 h later
    start = at(1, 9)
    end = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    # when counted, then it is one day
    assert rental_days(start=start, end=end) == 1
    # and 6 days 1 hour in UTC is 7 days
    assert rental_days(start=start, end=datetime(2025, 3, 7, 2, 0, tzinfo=UTC)) == 7


def test_rental_days_refuses_an_end_before_the_start():
    with pytest.raises(SlaError) as raised:
        rental_days(start=at(2, 9), end=at(1, 9))
    assert raised.value.code == "invalid_period"


def test_rental_days_refuses_naive_datetimes():
    with pytest.raises(SlaError) as raised:
        rental_days(start=datetime(2025, 3, 1, 9), end=at(2, 9))
    assert raised.value.code == "naive_datetime"


# --- DOMAIN.md worked examples (rapid, base zone) -------------------------------------------


@pytest.mark.parametrize(
    ("days", "called", "due"),
    [
        (3, at(4, 21, 30), at(5, 1, 30)),
        (30, at(4, 9, 15), at(4, 21, 15)),
        (30, at(4, 12, 0), at(5, 12, 0)),
        (30, at(4, 23, 50), at(5, 12, 0)),
    ],
)
def test_domain_worked_examples(days, called, due):
    # given a rapid-tier rental in the base zone and a call
    # when the deadline is computed
    result = deadline(tier="rapid", zone="base", reported_at=called, days=days)
    # then it is the one DOMAIN.md gives, on the Shanghai clock
    assert result == due
    assert result.tzinfo is SH


def test_noon_boundary_one_second_before_noon_is_twelve_hours():
    assert deadline(reported_at=at(4, 11, 59, 59), days=7) == at(4, 23, 59, 59)


def test_noon_boundary_at_noon_exactly_is_noon_next_day():
    assert deadline(reported_at=at(4, 12, 0, 0), days=7) == at(5, 12, 0)


def test_just_after_midnight_a_long_rental_call_is_twelve_hours():
    assert deadline(reported_at=at(5, 0, 0), days=7) == at(5, 12, 0)


def test_noon_rule_rolls_over_month_and_year_ends():
    assert deadline(reported_at=at(28, 13, 0, month=2), days=30) == at(1, 12, 0, month=3)
    new_year = datetime(2024, 12, 31, 18, 0, tzinfo=SH)
    assert deadline(reported_at=new_year, days=30) == datetime(2025, 1, 1, 12, 0, tzinfo=SH)


def test_six_by_seven_day_boundary_uses_rental_days():
    # given a call at 21:30 and rentals of exactly 6 × 24 h and of 6 days 1 hour
    start = at(1, 9)
    six = rental_days(start=start, end=start + timedelta(days=6))
    seven = rental_days(start=start, end=start + timedelta(days=6, hours=1))
    # when the rapid deadlines are computed
    short = deadline(reported_at=at(4, 21, 30), days=six)
    long = deadline(reported_at=at(4, 21, 30), days=seven)
    # then the 6-day rental gets 4 h and the 7-day rental the noon rule
    assert (six, seven) == (6, 7)
    assert short == at(5, 1, 30)
    assert long == at(5, 12, 0)


@pytest.mark.parametrize("days", [1, 2, 6])
def test_rapid_short_rentals_get_four_hours_whatever_the_time(days):
    assert deadline(reported_at=at(4, 12, 40), days=days) == at(4, 16, 40)
    assert deadline(reported_at=at(4, 8, 0), days=days) == at(4, 12, 0)


# --- each tier and zone ---------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 7, 30])
def test_value_added_base_zone_is_24_hours(days):
    assert deadline(tier="value_added", reported_at=at(4, 12, 40), days=days) == at(5, 12, 40)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("days", [1, 30])
def test_basic_has_no_automatic_deadline(zone, days):
    assert deadline(tier="basic", zone=zone, days=days) is None


@pytest.mark.parametrize("zone", OUTSIDE_ZONES)
@pytest.mark.parametrize("tier", ["value_added", "rapid"])
@pytest.mark.parametrize("days", [1, 6, 7, 30])
def test_outside_the_base_zone_the_target_is_negotiated(tier, zone, days):
    assert deadline(tier=tier, zone=zone, days=days, reported_at=at(4, 12, 40)) is None


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("days", [1, 30])
def test_contractual_has_no_automatic_deadline_without_overrides(zone, days):
    assert deadline(tier="contractual", zone=zone, days=days) is None


def test_a_utc_call_uses_the_shanghai_wall_clock():
    # given calls recorded in UTC: 03:59:59Z is 11:59:59 and 04:00Z is 12:00 in Shanghai
    before_noon = datetime(2025, 3, 4, 3, 59, 59, tzinfo=UTC)
    at_noon = datetime(2025, 3, 4, 4, 0, tzinfo=UTC)
    # when the rapid long-rental deadlines are computed
    first = deadline(reported_at=before_noon, days=30)
    second = deadline(reported_at=at_noon, days=30)
    # then the noon rule reads the Shanghai clock and the answers are on it
    assert first == at(4, 23, 59, 59)
    assert second == at(5, 12, 0)
    assert second.tzinfo is SH
    assert (second.hour, second.minute) == (12, 0)


def test_a_call_late_in_the_utc_day_is_already_the_next_shanghai_day():
    # 20:00Z on 3 March is 04:00 on 4 March in Shanghai: before noon, so +12 h
    called = datetime(2025, 3, 3, 20, 0, tzinfo=UTC)
    assert deadline(reported_at=called, days=30) == at(4, 16, 0)


def test_deadlines_are_to_the_second():
    called = datetime(2025, 3, 4, 9, 15, 7, 999_999, tzinfo=SH)
    assert deadline(reported_at=called, days=3) == at(4, 13, 15, 7)


# --- contract overrides win -----------------------------------------------------------------


def test_contract_rapid_two_hour_target_wins_for_short_rentals():
    terms = PUBLISHED_TERMS.with_overrides({"rapid.response_hours.base": 2})

    assert deadline(reported_at=at(4, 21, 30), days=3, terms=terms) == at(4, 23, 30)
    # the long-rental rule is a separate key and is unchanged
    assert deadline(reported_at=at(4, 12, 40), days=30, terms=terms) == at(5, 12, 0)


def test_contract_two_hours_for_every_rental_length():
    terms = PUBLISHED_TERMS.with_overrides(
        {"rapid.response_hours.base": 2, "rapid.long_rental.days": None}
    )

    assert deadline(reported_at=at(4, 12, 40), days=30, terms=terms) == at(4, 14, 40)


def test_contract_without_the_noon_cutoff_gives_plain_twelve_hours():
    terms = PUBLISHED_TERMS.with_overrides({"rapid.long_rental.cutoff": None})

    assert deadline(reported_at=at(4, 23, 50), days=30, terms=terms) == at(5, 11, 50)


def test_contract_can_move_the_cutoff():
    terms = PUBLISHED_TERMS.with_overrides({"rapid.long_rental.cutoff": "18:00"})

    assert deadline(reported_at=at(4, 12, 40), days=30, terms=terms) == at(5, 0, 40)
    assert deadline(reported_at=at(4, 18, 0), days=30, terms=terms) == at(5, 18, 0)


def test_contract_gives_a_negotiated_target_outside_the_base_zone():
    terms = PUBLISHED_TERMS.with_overrides({"value_added.response_hours.zhangzhou": 48})

    assert deadline(tier="value_added", zone="zhangzhou", terms=terms) == at(6, 9, 15)
    assert deadline(tier="value_added", zone="quanzhou", terms=terms) is None


def test_contractual_tier_gets_targets_only_from_overrides():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "contractual.response_hours.base": 8,
            "contractual.long_rental.days": 30,
            "contractual.long_rental.response_hours.base": 6,
        }
    )

    assert deadline(tier="contractual", days=29, terms=terms) == at(4, 17, 15)
    assert deadline(tier="contractual", days=30, terms=terms) == at(4, 15, 15)
    assert deadline(tier="contractual", zone="other", days=30, terms=terms) is None


def test_terms_round_tripped_through_a_snapshot_give_the_same_deadline():
    from service_tickets.terms import ServiceTerms

    terms = PUBLISHED_TERMS.with_overrides({"rapid.response_hours.base": 2})
    snapshot = ServiceTerms.from_dict(terms.to_dict())

    assert deadline(days=3, terms=snapshot) == at(4, 11, 15)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"tier": "gold"}, "unknown_tier"),
        ({"zone": "fuzhou"}, "unknown_zone"),
        ({"reported_at": datetime(2025, 3, 4, 9, 15)}, "naive_datetime"),
        ({"days": 0}, "invalid_rental_days"),
        ({"days": -3}, "invalid_rental_days"),
        ({"days": True}, "invalid_rental_days"),
    ],
)
def test_bad_inputs_raise_sla_error(kwargs, code):
    with pytest.raises(SlaError) as raised:
        deadline(**kwargs)
    assert raised.value.code == code
    assert isinstance(raised.value, ApplicationError)


def test_explanation_refuses_the_same_bad_inputs():
    with pytest.raises(SlaError):
        explain_response_deadline(
            terms=PUBLISHED_TERMS, tier="rapid", zone="base", reported_at=at(4, 9), rental_days=0
        )


# --- explanations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "zone", "days", "called", "text"),
    [
        (
            "rapid",
            "base",
            30,
            at(4, 12, 40),
            "Rapid service, base zone, rental of 30 days, called at 12:40; calls from 12:00 on "
            "are due at 12:00 the next day → a technician on site by 12:00 the next day.",
        ),
        (
            "rapid",
            "base",
            30,
            at(4, 9, 15),
            "Rapid service, base zone, rental of 30 days, called at 09:15 → a technician on "
            "site within 12 hours, by 21:15 the same day.",
        ),
        (
            "rapid",
            "base",
            3,
            at(4, 21, 30),
            "Rapid service, base zone, rental of 3 days, called at 21:30 → a technician on "
            "site within 4 hours, by 01:30 the next day.",
        ),
        (
            "value_added",
            "base",
            1,
            at(4, 11, 59, 59),
            "Value-added service, base zone, rental of 1 day, called at 11:59:59 → a "
            "technician on site within 24 hours, by 11:59:59 the next day.",
        ),
        (
            "basic",
            "base",
            5,
            at(4, 9),
            "Basic service, base zone: no automatic deadline; staff set one by hand.",
        ),
        (
            "rapid",
            "quanzhou",
            5,
            at(4, 9),
            "Rapid service, Quanzhou: no automatic deadline; staff set one by hand.",
        ),
        (
            "contractual",
            "base",
            5,
            at(4, 9),
            "Contractual service, base zone: the contract gives no response time, so there is "
            "no automatic deadline; staff set one by hand.",
        ),
    ],
)
def test_explanations(tier, zone, days, called, text):
    with translation.override("en"):
        explanation = explain_response_deadline(
            terms=PUBLISHED_TERMS, tier=tier, zone=zone, reported_at=called, rental_days=days
        )
    assert explanation == text


def test_explanation_of_a_deadline_days_later_gives_the_date():
    terms = PUBLISHED_TERMS.with_overrides({"value_added.response_hours.other": 72})
    with translation.override("en"):
        explanation = explain_response_deadline(
            tier="value_added", zone="other", reported_at=at(4, 9), rental_days=2, terms=terms
        )
    assert explanation == (
        "Value-added service, other areas, rental of 2 days, called at 09:00 → a technician "
        "on site within 72 hours, by 2025-03-07 09:00."
    )


def test_explanation_speaks_the_shanghai_clock_for_a_utc_call():
    with translation.override("en"):
        explanation = explain_response_deadline(
            terms=PUBLISHED_TERMS,
            tier="rapid",
            zone="base",
            reported_at=datetime(2025, 3, 4, 1, 15, tzinfo=UTC),
            rental_days=30,
        )
    assert "called at 09:15" in explanation
    assert "by 21:15 the same day" in explanation


# --- properties -----------------------------------------------------------------------------

reported_times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([SH, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]),
)


@given(
    tier=st.sampled_from(TIERS),
    zone=st.sampled_from(ZONES),
    reported_at=reported_times,
    days=st.integers(min_value=1, max_value=400),
)
def test_a_deadline_is_never_before_the_call(tier, zone, reported_at, days):
    result = response_deadline(
        terms=PUBLISHED_TERMS, tier=tier, zone=zone, reported_at=reported_at, rental_days=days
    )
    if result is not None:
        assert result >= reported_at
        assert result - reported_at <= timedelta(hours=24)
        assert result.tzinfo is SH
        assert result.microsecond == 0


@given(
    reported_at=reported_times,
    days=st.integers(min_value=7, max_value=400),
    cutoff=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    hours=st.integers(min_value=1, max_value=96),
)
def test_overridden_long_rental_deadlines_are_never_before_the_call(
    reported_at, days, cutoff, hours
):
    terms = PUBLISHED_TERMS.with_overrides(
        {"rapid.long_rental.cutoff": cutoff, "rapid.long_rental.response_hours.base": hours}
    )
    result = response_deadline(
        tier="rapid", zone="base", reported_at=reported_at, rental_days=days, terms=terms
    )
    assert result > reported_at.replace(microsecond=0)
    local = reported_at.astimezone(SH)
    if local.time() >= cutoff:
        assert result.time() == cutoff
        assert result.date() == local.date() + timedelta(days=1)


@given(reported_at=reported_times, days=st.integers(min_value=7, max_value=400))
def test_rapid_long_rental_is_due_at_most_24_hours_and_at_least_12_hours_later(reported_at, days):
    result = response_deadline(
        terms=PUBLISHED_TERMS, tier="rapid", zone="base", reported_at=reported_at, rental_days=days
    )
    elapsed = result - reported_at.replace(microsecond=0)
    assert timedelta(hours=12) <= elapsed <= timedelta(hours=24)
    assert result.time() == time(12, 0) or elapsed == timedelta(hours=12)
