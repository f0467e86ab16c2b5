"""The pure rules added for tickets: the at-risk time, deadlines set by hand or by a trip's
schedule, transport alone and the overtime periods. No database."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from service_tickets import fees, sla
from service_tickets.sla import SlaError
from service_tickets.terms import PUBLISHED_TERMS, TIERS, ZONES

SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(day, hour, minute=0, second=0):
    return datetime(2025, 3, day, hour, minute, second, tzinfo=SH)


def test_a_ticket_is_at_risk_once_75_percent_of_its_time_is_used():
    # rapid, 1–6 days: 4 hours → at risk after 3
    assert sla.at_risk_from(
        reported_at=at(4, 21, 30), deadline=at(5, 1, 30), fraction=D("0.75")
    ) == at(5, 0, 30)


def test_the_at_risk_time_is_to_the_second_and_drops_fractions():
    called = at(4, 12, 40, 7).replace(microsecond=900_000)
    deadline = at(5, 12)  # the noon rule: 23 h 19 min 53 s later

    assert sla.at_risk_from(reported_at=called, deadline=deadline, fraction=D("0.75")) == (
        at(4, 12, 40, 7) + timedelta(seconds=int((23 * 3600 + 19 * 60 + 53) * 0.75))
    )


def test_a_trip_is_watched_only_over_its_last_hours():
    booked, trip = at(1, 9), at(4, 14)

    assert sla.at_risk_from(reported_at=booked, deadline=trip, fraction=D("0.75"), trip=True) == at(
        4, 13
    )  # 75 % of the last 4 hours
    # booked less than 4 hours ahead: the whole time counts
    assert sla.at_risk_from(
        reported_at=at(4, 12), deadline=trip, fraction=D("0.75"), trip=True
    ) == at(4, 13, 30)


def test_a_deadline_at_the_call_is_at_risk_at_once_and_bad_shares_are_refused():
    assert sla.at_risk_from(reported_at=at(4, 9), deadline=at(4, 9), fraction=D("0.75")) == at(4, 9)
    with pytest.raises(SlaError):
        sla.at_risk_from(reported_at=at(4, 9), deadline=at(4, 10), fraction=D("1.5"))
    with pytest.raises(SlaError):
        sla.at_risk_from(reported_at=datetime(2025, 3, 4, 9), deadline=at(4, 10), fraction=D(1))


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 14),
    fraction=st.decimals(min_value=0, max_value=1, places=3),
    trip=st.booleans(),
)
def test_the_at_risk_time_lies_between_the_call_and_the_deadline(minutes, fraction, trip):
    called = at(4, 9, 17, 3)
    deadline = called + timedelta(minutes=minutes)

    risk = sla.at_risk_from(reported_at=called, deadline=deadline, fraction=fraction, trip=trip)

    assert called <= risk <= deadline
    assert risk.tzinfo is not None and risk.microsecond == 0


def test_manual_and_trip_deadlines_are_explained():
    with translation.override("en"):
        manual = sla.explain_manual_deadline(deadline=at(5, 10), reported_at=at(4, 16), by="王芳")
        trip = sla.explain_trip_deadline(kind="pickup", scheduled_for=at(6, 9, 30))

    assert manual == (
        "No automatic deadline for this ticket; set by hand by 王芳: a technician on site by "
        "10:00 the next day."
    )
    assert trip == "Pickup scheduled for 2025-03-06 09:30: on site by then."


@pytest.mark.parametrize(
    ("tier", "zone", "km", "fare"),
    [
        ("basic", "base", "7.5", "0.00"),
        ("rapid", "base", "7.5", "0.00"),
        ("basic", "xiamen_mainland", "25", "54.00"),
        ("value_added", "quanzhou", "3", "10.00"),
        ("contractual", "other", "300", "0.00"),
    ],
)
def test_transport_alone_for_a_visit_without_repair_work(tier, zone, km, fare):
    assert fees.repair_transport_fee(
        terms=PUBLISHED_TERMS, tier=tier, zone=zone, distance_km=D(km)
    ) == D(fare)


def test_a_contract_can_charge_transport_in_the_base_zone():
    terms = PUBLISHED_TERMS.with_overrides({"rapid.repair_transport": ["base"]})

    assert fees.repair_transport_fee(
        tier="rapid", zone="base", distance_km=D("7.5"), terms=terms
    ) == D("20.00")
    with translation.override("en"):
        text = fees.explain_repair_transport_fee(
            tier="rapid", zone="base", distance_km=D("7.5"), terms=terms
        )
    assert text == (
        "Rapid service, base zone, a visit without repair work: transport, taxi fare 10 CNY for "
        "the first 3 km + 2 CNY × 5 km = 20.00 CNY."
    )


@pytest.mark.parametrize(
    ("hours", "blocks"), [("0", 0), ("24", 0), ("24.01", 1), ("48", 1), ("48.01", 2), ("100", 4)]
)
def test_overtime_periods(hours, blocks):
    assert fees.overtime_blocks(terms=PUBLISHED_TERMS, hours_to_resolve=D(hours)) == blocks


@given(
    tier=st.sampled_from(TIERS),
    zone=st.sampled_from(ZONES),
    km=st.decimals(min_value=0, max_value=500, places=1),
)
def test_transport_is_never_negative_and_never_above_the_repair_range(tier, zone, km):
    transport = fees.repair_transport_fee(
        terms=PUBLISHED_TERMS, tier=tier, zone=zone, distance_km=km
    )
    low, _high = fees.repair_fee_range(
        terms=PUBLISHED_TERMS, tier=tier, zone=zone, kind="hardware", units=1, distance_km=km
    )

    assert D(0) <= transport <= low
