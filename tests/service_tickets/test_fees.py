"""Service fees (DOMAIN.md "Fees"): delivery, on-site repair, overtime. Pure, no database."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from rental.core.errors import ApplicationError
from service_tickets.fees import (
    FeeError,
    check_fee_in_range,
    delivery_fee,
    explain_delivery_fee,
    explain_overtime_surcharge,
    explain_repair_fee_range,
    overtime_surcharge,
    repair_fee_range,
    repair_list_price_range,
    taxi_fare,
)
from service_tickets.terms import OUTSIDE_ZONES, PUBLISHED_TERMS, TIERS, ZONES

D = Decimal


def repair(tier="basic", zone="base", kind="hardware", units=1, km="5", terms=PUBLISHED_TERMS):
    return repair_fee_range(
        tier=tier, zone=zone, kind=kind, units=units, distance_km=D(km), terms=terms
    )


# --- taxi fare ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("km", "fare"),
    [
        ("0", "10.00"),
        ("1", "10.00"),
        ("3", "10.00"),
        ("3.01", "12.00"),
        ("3.2", "12.00"),
        ("4", "12.00"),
        ("4.01", "14.00"),
        ("7.5", "20.00"),
        ("20", "44.00"),
    ],
)
def test_taxi_fare(km, fare):
    # 10 CNY for the first 3 km, then 2 CNY per km or part of a km
    assert taxi_fare(terms=PUBLISHED_TERMS, distance_km=D(km)) == D(fare)


def test_taxi_fare_accepts_whole_kilometres_as_int():
    assert taxi_fare(terms=PUBLISHED_TERMS, distance_km=7) == D("18.00")


def test_taxi_fare_follows_the_terms():
    terms = PUBLISHED_TERMS.with_overrides(
        {"taxi.flag_fall": "12", "taxi.flag_fall_km": "2.5", "taxi.per_km": "2.6"}
    )
    assert taxi_fare(distance_km=D("5"), terms=terms) == D("19.80")


# --- delivery and pickup --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "km", "fee"),
    [
        ("basic", "0", "10.00"),
        ("basic", "3.2", "12.00"),
        ("basic", "7.5", "20.00"),
        ("value_added", "0", "0.00"),
        ("value_added", "9.99", "0.00"),
        ("value_added", "10", "0.00"),
        ("value_added", "10.1", "2.00"),
        ("value_added", "11", "2.00"),
        ("value_added", "11.01", "4.00"),
        ("value_added", "12.5", "6.00"),
        ("rapid", "0", "0.00"),
        ("rapid", "45", "0.00"),
        ("contractual", "0", "0.00"),
        ("contractual", "45", "0.00"),
    ],
)
def test_delivery_in_the_base_zone(tier, km, fee):
    assert delivery_fee(terms=PUBLISHED_TERMS, tier=tier, zone="base", distance_km=D(km)) == D(fee)


@pytest.mark.parametrize("zone", OUTSIDE_ZONES)
@pytest.mark.parametrize("tier", ["basic", "value_added", "rapid"])
def test_delivery_outside_the_base_zone_is_taxi_fare_plus_service_fee(tier, zone):
    # 20 km: taxi 10 + 2 × 17 = 44, plus the 50 CNY service fee
    assert delivery_fee(terms=PUBLISHED_TERMS, tier=tier, zone=zone, distance_km=D("20")) == D(
        "94.00"
    )
    assert delivery_fee(terms=PUBLISHED_TERMS, tier=tier, zone=zone, distance_km=D("0")) == D(
        "60.00"
    )


@pytest.mark.parametrize("zone", ZONES)
def test_contractual_delivery_is_free_without_overrides(zone):
    assert delivery_fee(
        terms=PUBLISHED_TERMS, tier="contractual", zone=zone, distance_km=D("20")
    ) == D("0.00")


def test_contract_free_delivery_radius_of_20_km_wins():
    terms = PUBLISHED_TERMS.with_overrides({"value_added.delivery.free_km": "20"})

    assert delivery_fee(tier="value_added", zone="base", distance_km=D("15"), terms=terms) == 0
    assert delivery_fee(tier="value_added", zone="base", distance_km=D("20"), terms=terms) == 0
    assert delivery_fee(tier="value_added", zone="base", distance_km=D("20.5"), terms=terms) == D(
        "2.00"
    )


def test_contract_sets_the_delivery_mode_and_prices():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "contractual.delivery.base": "free_within_radius",
            "contractual.delivery.free_km": "5",
            "contractual.delivery.per_km_beyond": "3",
            "contractual.delivery.zhangzhou": "taxi_plus_service_fee",
            "outside_service_fee": "30",
        }
    )

    assert delivery_fee(tier="contractual", zone="base", distance_km=D("7"), terms=terms) == D(
        "6.00"
    )
    assert delivery_fee(
        tier="contractual", zone="zhangzhou", distance_km=D("20"), terms=terms
    ) == D("74.00")
    assert delivery_fee(tier="contractual", zone="quanzhou", distance_km=D("20"), terms=terms) == 0


# --- on-site repair -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "low", "high"),
    [
        (1, "50.00", "100.00"),
        (2, "50.00", "100.00"),
        (3, "100.00", "200.00"),
        (5, "150.00", "300.00"),
    ],
)
def test_basic_base_zone_hardware_is_priced_per_block_of_two_units(units, low, high):
    assert repair(units=units) == (D(low), D(high))


@pytest.mark.parametrize(("units", "price"), [(1, "100.00"), (2, "200.00"), (3, "300.00")])
def test_basic_base_zone_software_is_priced_per_unit(units, price):
    assert repair(kind="software", units=units) == (D(price), D(price))


@pytest.mark.parametrize("kind", ["hardware", "software"])
@pytest.mark.parametrize("tier", ["value_added", "rapid"])
@pytest.mark.parametrize("units", [1, 3])
def test_included_base_zone_repair_costs_nothing(tier, kind, units):
    assert repair(tier=tier, kind=kind, units=units) == (D("0.00"), D("0.00"))


@pytest.mark.parametrize("zone", OUTSIDE_ZONES)
@pytest.mark.parametrize("tier", ["basic", "value_added", "rapid"])
def test_outside_the_base_zone_hardware_adds_transport(tier, zone):
    # 20 km: transport is the one-way taxi fare 44; hardware 100–200 per block
    assert repair(tier=tier, zone=zone, units=1, km="20") == (D("144.00"), D("244.00"))
    assert repair(tier=tier, zone=zone, units=3, km="20") == (D("244.00"), D("444.00"))


@pytest.mark.parametrize("zone", OUTSIDE_ZONES)
@pytest.mark.parametrize("tier", ["basic", "value_added", "rapid"])
def test_outside_the_base_zone_software_is_per_unit_plus_transport(tier, zone):
    assert repair(tier=tier, zone=zone, kind="software", units=1, km="20") == (
        D("194.00"),
        D("244.00"),
    )
    assert repair(tier=tier, zone=zone, kind="software", units=3, km="0") == (
        D("460.00"),
        D("610.00"),
    )


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("kind", ["hardware", "software"])
def test_contractual_repair_is_free_without_overrides(zone, kind):
    assert repair(tier="contractual", zone=zone, kind=kind, units=3, km="20") == (
        D("0.00"),
        D("0.00"),
    )


def test_contract_makes_repair_chargeable_with_its_own_fee_table():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "contractual.repair_included.hardware": [],
            "contractual.repair_transport": ["zhangzhou"],
            "repair.hardware.base.min": "80",
            "repair.hardware.base.max": "80",
        }
    )

    assert repair(tier="contractual", units=3, terms=terms) == (D("160.00"), D("160.00"))
    assert repair(tier="contractual", zone="zhangzhou", km="20", terms=terms) == (
        D("144.00"),
        D("244.00"),
    )
    # software stays included, but the contract's transport is still charged
    assert repair(tier="contractual", zone="zhangzhou", kind="software", km="3", terms=terms) == (
        D("10.00"),
        D("10.00"),
    )


def test_contract_can_change_the_block_size():
    terms = PUBLISHED_TERMS.with_overrides({"repair.hardware.units_per_block": 3})
    assert repair(units=3, terms=terms) == (D("50.00"), D("100.00"))
    assert repair(units=4, terms=terms) == (D("100.00"), D("200.00"))


@pytest.mark.parametrize(
    ("zone", "kind", "units", "low", "high"),
    [
        ("base", "hardware", 3, "100.00", "200.00"),
        ("base", "software", 2, "200.00", "200.00"),
        ("quanzhou", "hardware", 1, "100.00", "200.00"),
        ("quanzhou", "software", 2, "300.00", "400.00"),
    ],
)
def test_list_price_is_what_included_work_would_have_cost(zone, kind, units, low, high):
    assert repair_list_price_range(terms=PUBLISHED_TERMS, zone=zone, kind=kind, units=units) == (
        D(low),
        D(high),
    )


# --- overtime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "surcharge"),
    [
        ("0", "0.00"),
        ("23.99", "0.00"),
        ("24", "0.00"),
        ("24.01", "50.00"),
        ("24.5", "50.00"),
        ("48", "50.00"),
        ("48.01", "100.00"),
        ("72", "100.00"),
        ("72.5", "150.00"),
    ],
)
def test_overtime_is_half_the_fee_per_further_started_24_hours(hours, surcharge):
    assert overtime_surcharge(
        terms=PUBLISHED_TERMS, repair_fee=D("100"), hours_to_resolve=D(hours)
    ) == D(surcharge)


def test_overtime_on_included_work_is_nothing():
    assert overtime_surcharge(
        terms=PUBLISHED_TERMS, repair_fee=D("0"), hours_to_resolve=D("100")
    ) == D("0.00")


def test_overtime_rounds_half_up_to_the_fen():
    assert overtime_surcharge(
        terms=PUBLISHED_TERMS, repair_fee=D("0.01"), hours_to_resolve=D("30")
    ) == D("0.01")
    assert overtime_surcharge(
        terms=PUBLISHED_TERMS, repair_fee=D("75.55"), hours_to_resolve=D("30")
    ) == D("37.78")


def test_overtime_follows_the_terms():
    terms = PUBLISHED_TERMS.with_overrides(
        {"overtime.free_hours": 48, "overtime.block_hours": 12, "overtime.rate": "0.25"}
    )
    assert overtime_surcharge(repair_fee=D("200"), hours_to_resolve=D("48"), terms=terms) == 0
    assert overtime_surcharge(repair_fee=D("200"), hours_to_resolve=D("60.5"), terms=terms) == D(
        "100.00"
    )


# --- the technician's chosen fee ------------------------------------------------------------


@pytest.mark.parametrize("fee", ["50", "50.00", "75.5", "100", "99.999"])
def test_a_fee_inside_the_range_is_accepted_and_rounded(fee):
    assert check_fee_in_range((D("50.00"), D("100.00")), D(fee)) == D(fee).quantize(D("0.01"))


@pytest.mark.parametrize("fee", ["49.99", "100.01", "0", "1000"])
def test_a_fee_outside_the_range_is_refused(fee):
    with pytest.raises(FeeError) as raised:
        check_fee_in_range((D("50.00"), D("100.00")), D(fee))
    assert raised.value.code == "fee_out_of_range"
    assert raised.value.extra == {
        "low": "50.00",
        "high": "100.00",
        "fee": str(D(fee).quantize(D("0.01"))),
    }


def test_included_work_accepts_only_zero():
    assert check_fee_in_range((D("0.00"), D("0.00")), D("0")) == D("0.00")
    with pytest.raises(FeeError):
        check_fee_in_range((D("0.00"), D("0.00")), D("0.01"))


def test_a_negative_fee_or_reversed_range_is_refused():
    with pytest.raises(FeeError):
        check_fee_in_range((D("0"), D("10")), D("-1"))
    with pytest.raises(FeeError):
        check_fee_in_range((D("10"), D("5")), D("7"))


def test_a_float_fee_is_a_programming_error():
    with pytest.raises(TypeError):
        check_fee_in_range((D("0"), D("10")), 5.0)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: taxi_fare(terms=PUBLISHED_TERMS, distance_km=D("-0.1")), "negative_distance"),
        (
            lambda: delivery_fee(
                terms=PUBLISHED_TERMS, tier="basic", zone="base", distance_km=D("-1")
            ),
            "negative_distance",
        ),
        (
            lambda: delivery_fee(
                terms=PUBLISHED_TERMS, tier="gold", zone="base", distance_km=D("1")
            ),
            "unknown_tier",
        ),
        (
            lambda: delivery_fee(
                terms=PUBLISHED_TERMS, tier="basic", zone="fuzhou", distance_km=D("1")
            ),
            "unknown_zone",
        ),
        (lambda: repair(units=0), "invalid_units"),
        (lambda: repair(units=True), "invalid_units"),
        (lambda: repair(kind="firmware"), "unknown_kind"),
        (lambda: repair(km="-5"), "negative_distance"),
        (lambda: repair(km="NaN"), "invalid_number"),
        (
            lambda: repair_list_price_range(
                terms=PUBLISHED_TERMS, zone="fuzhou", kind="hardware", units=1
            ),
            "unknown_zone",
        ),
        (
            lambda: overtime_surcharge(
                terms=PUBLISHED_TERMS, repair_fee=D("-1"), hours_to_resolve=D("30")
            ),
            "negative_fee",
        ),
        (
            lambda: overtime_surcharge(
                terms=PUBLISHED_TERMS, repair_fee=D("1"), hours_to_resolve=D("-30")
            ),
            "negative_duration",
        ),
        (
            lambda: explain_repair_fee_range(
                terms=PUBLISHED_TERMS,
                tier="basic",
                zone="base",
                kind="hardware",
                units=0,
                distance_km=D("1"),
            ),
            "invalid_units",
        ),
    ],
)
def test_bad_inputs_raise_fee_error(call, code):
    with pytest.raises(FeeError) as raised:
        call()
    assert raised.value.code == code
    assert isinstance(raised.value, ApplicationError)


def test_a_float_distance_is_a_programming_error():
    with pytest.raises(TypeError):
        taxi_fare(terms=PUBLISHED_TERMS, distance_km=7.5)


# --- explanations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "zone", "km", "text"),
    [
        (
            "basic",
            "base",
            "7.5",
            "Basic service, base zone, 7.5 km: taxi fare 10 CNY for the first 3 km + 2 CNY × "
            "5 km = 20.00 CNY.",
        ),
        (
            "basic",
            "base",
            "0",
            "Basic service, base zone, 0 km: taxi fare 10 CNY for the first 3 km = 10.00 CNY.",
        ),
        (
            "value_added",
            "base",
            "10",
            "Value-added service, base zone, 10 km: free within 10 km = 0.00 CNY.",
        ),
        (
            "value_added",
            "base",
            "12.5",
            "Value-added service, base zone, 12.5 km: free within 10 km, then 2 CNY × 3 km "
            "beyond = 6.00 CNY.",
        ),
        ("rapid", "base", "8", "Rapid service, base zone, 8 km: each one-way trip is free."),
        (
            "rapid",
            "zhangzhou",
            "20",
            "Rapid service, Zhangzhou, 20 km: taxi fare 10 CNY for the first 3 km + 2 CNY × "
            "17 km = 44.00 CNY, plus a 50 CNY service fee = 94.00 CNY.",
        ),
        (
            "contractual",
            "other",
            "20",
            "Contractual service, other areas, 20 km: each one-way trip is free.",
        ),
    ],
)
def test_delivery_explanations(tier, zone, km, text):
    with translation.override("en"):
        assert (
            explain_delivery_fee(terms=PUBLISHED_TERMS, tier=tier, zone=zone, distance_km=D(km))
            == text
        )


@pytest.mark.parametrize(
    ("tier", "zone", "kind", "units", "km", "text"),
    [
        (
            "basic",
            "base",
            "hardware",
            3,
            "5",
            "Basic service, base zone, on-site hardware repair of 3 units: 2 blocks of up to "
            "2 units × 50–100 CNY = 100.00–200.00 CNY.",
        ),
        (
            "basic",
            "base",
            "software",
            1,
            "5",
            "Basic service, base zone, on-site software repair of 1 unit: 1 unit × 100 CNY = "
            "100.00 CNY.",
        ),
        (
            "rapid",
            "base",
            "hardware",
            1,
            "5",
            "Rapid service, base zone, on-site hardware repair of 1 unit: the work is "
            "included: 0.00 CNY (list price 50.00–100.00 CNY).",
        ),
        (
            "value_added",
            "quanzhou",
            "software",
            2,
            "20",
            "Value-added service, Quanzhou, on-site software repair of 2 units: 2 units × "
            "150–200 CNY = 300.00–400.00 CNY, plus transport (one-way taxi fare for 20 km) "
            "44.00 CNY = 344.00–444.00 CNY.",
        ),
        (
            "basic",
            "xiamen_mainland",
            "hardware",
            1,
            "3",
            "Basic service, Xiamen mainland, on-site hardware repair of 1 unit: 1 block of up "
            "to 2 units × 100–200 CNY = 100.00–200.00 CNY, plus transport (one-way taxi fare "
            "for 3 km) 10.00 CNY = 110.00–210.00 CNY.",
        ),
    ],
)
def test_repair_explanations(tier, zone, kind, units, km, text):
    with translation.override("en"):
        explanation = explain_repair_fee_range(
            terms=PUBLISHED_TERMS, tier=tier, zone=zone, kind=kind, units=units, distance_km=D(km)
        )
    assert explanation == text


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (
            "24",
            "Resolved 24 hours after the technician arrived, within 24 hours: no surcharge.",
        ),
        (
            "24.5",
            "Resolved 24.5 hours after the technician arrived: 1 started 24-hour period beyond "
            "the first 24 hours × 50% of the 100.00 CNY repair fee = 50.00 CNY.",
        ),
        (
            "48.01",
            "Resolved 48.01 hours after the technician arrived: 2 started 24-hour periods "
            "beyond the first 24 hours × 50% of the 100.00 CNY repair fee = 100.00 CNY.",
        ),
    ],
)
def test_overtime_explanations(hours, text):
    with translation.override("en"):
        explanation = explain_overtime_surcharge(
            terms=PUBLISHED_TERMS, repair_fee=D("100"), hours_to_resolve=D(hours)
        )
    assert explanation == text


# --- properties -----------------------------------------------------------------------------

distances = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False)
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
TERMS_VARIANTS = [
    PUBLISHED_TERMS,
    PUBLISHED_TERMS.with_overrides(
        {
            "value_added.delivery.free_km": "20",
            "contractual.delivery.base": "free_within_radius",
            "contractual.delivery.xiamen_mainland": "taxi",
            "contractual.delivery.other": "taxi_plus_service_fee",
            "contractual.repair_included.hardware": [],
            "contractual.repair_transport": ["other"],
            "taxi.flag_fall_km": "0",
        }
    ),
]
terms_variants = st.sampled_from(TERMS_VARIANTS)


@given(tier=st.sampled_from(TIERS), zone=st.sampled_from(ZONES), km=distances, terms=terms_variants)
def test_delivery_fees_are_never_negative(tier, zone, km, terms):
    assert delivery_fee(tier=tier, zone=zone, distance_km=km, terms=terms) >= 0


@given(
    tier=st.sampled_from(TIERS),
    zone=st.sampled_from(ZONES),
    near=distances,
    further=distances,
    terms=terms_variants,
)
def test_delivery_fee_is_monotonic_in_distance(tier, zone, near, further, terms):
    near, further = sorted((near, further))
    assert delivery_fee(tier=tier, zone=zone, distance_km=near, terms=terms) <= delivery_fee(
        tier=tier, zone=zone, distance_km=further, terms=terms
    )


@given(
    tier=st.sampled_from(TIERS),
    zone=st.sampled_from(ZONES),
    kind=st.sampled_from(["hardware", "software"]),
    units=st.integers(min_value=1, max_value=200),
    km=distances,
    terms=terms_variants,
)
def test_repair_ranges_are_ordered_and_never_negative(tier, zone, kind, units, km, terms):
    low, high = repair_fee_range(
        tier=tier, zone=zone, kind=kind, units=units, distance_km=km, terms=terms
    )
    assert 0 <= low <= high
    # the range's own ends pass the range check
    assert check_fee_in_range((low, high), low) == low
    assert check_fee_in_range((low, high), high) == high


@given(
    fee=money,
    hours=st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False),
    more=st.decimals(min_value=0, max_value=1_000, places=2, allow_nan=False),
)
def test_overtime_is_never_negative_and_grows_with_time(fee, hours, more):
    first = overtime_surcharge(terms=PUBLISHED_TERMS, repair_fee=fee, hours_to_resolve=hours)
    later = overtime_surcharge(terms=PUBLISHED_TERMS, repair_fee=fee, hours_to_resolve=hours + more)
    assert 0 <= first <= later


@given(km=distances)
def test_taxi_fare_is_never_below_the_flag_fall(km):
    assert taxi_fare(terms=PUBLISHED_TERMS, distance_km=km) >= D("10.00")
