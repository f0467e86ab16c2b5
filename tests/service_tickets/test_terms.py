"""Service-tier terms: the published values, snapshots (to_dict/from_dict) and overrides."""

import dataclasses
import json
from datetime import time
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from rental.core.errors import ApplicationError
from service_tickets.terms import (
    FIELD_KINDS,
    OUTSIDE_ZONES,
    OVERRIDE_KEYS,
    PUBLISHED_TERMS,
    TIERS,
    ZONES,
    FeeRange,
    ServiceTerms,
    TermsError,
    tier_choices,
    zone_choices,
)

D = Decimal


# --- the published values (DOMAIN.md) -------------------------------------------------------


def test_published_terms_are_version_1_with_domain_prices():
    terms = PUBLISHED_TERMS

    assert terms.version == 1
    assert (terms.taxi_flag_fall, terms.taxi_flag_fall_km, terms.taxi_per_km) == (
        D("10.00"),
        D("3"),
        D("2.00"),
    )
    assert terms.outside_service_fee == D("50.00")
    assert terms.hardware_base == FeeRange(D("50.00"), D("100.00"))
    assert terms.hardware_outside == FeeRange(D("100.00"), D("200.00"))
    assert terms.hardware_units_per_block == 2
    assert terms.software_base == FeeRange(D("100.00"), D("100.00"))
    assert terms.software_outside == FeeRange(D("150.00"), D("200.00"))
    assert (terms.overtime_free_hours, terms.overtime_block_hours, terms.overtime_rate) == (
        24,
        24,
        D("0.5"),
    )


def test_published_response_targets():
    rapid = PUBLISHED_TERMS.rapid

    assert [rapid.response_hours[z] for z in ZONES] == [4, None, None, None, None]
    assert rapid.long_rental_days == 7
    assert [rapid.long_rental_response_hours[z] for z in ZONES] == [12, None, None, None, None]
    assert rapid.long_rental_cutoff == time(12, 0)
    assert [PUBLISHED_TERMS.value_added.response_hours[z] for z in ZONES] == [
        24,
        None,
        None,
        None,
        None,
    ]
    for tier in ("basic", "contractual"):
        rules = PUBLISHED_TERMS.tier(tier)
        assert [rules.response_hours[z] for z in ZONES] == [None] * 5
        assert rules.long_rental_days is None


def test_published_delivery_and_repair_inclusion():
    terms = PUBLISHED_TERMS

    assert terms.basic.delivery["base"] == "taxi"
    assert terms.value_added.delivery["base"] == "free_within_radius"
    assert terms.value_added.delivery_free_km == D("10")
    assert terms.value_added.delivery_per_km_beyond == D("2.00")
    assert terms.rapid.delivery["base"] == "free"
    for tier in ("basic", "value_added", "rapid"):
        rules = terms.tier(tier)
        assert [rules.delivery[z] for z in OUTSIDE_ZONES] == ["taxi_plus_service_fee"] * 4
        assert rules.repair_transport == frozenset(OUTSIDE_ZONES)
    assert terms.basic.hardware_repair_included == frozenset()
    assert terms.basic.software_repair_included == frozenset()
    for tier in ("value_added", "rapid"):
        assert terms.tier(tier).hardware_repair_included == frozenset({"base"})
        assert terms.tier(tier).software_repair_included == frozenset({"base"})


def test_contractual_has_no_automatic_charges():
    rules = PUBLISHED_TERMS.contractual

    assert [rules.delivery[z] for z in ZONES] == ["free"] * 5
    assert rules.hardware_repair_included == frozenset(ZONES)
    assert rules.software_repair_included == frozenset(ZONES)
    assert rules.repair_transport == frozenset()


def test_terms_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PUBLISHED_TERMS.version = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        PUBLISHED_TERMS.rapid.long_rental_days = 3


def test_unknown_tier_or_zone_lookups_fail():
    with pytest.raises(KeyError):
        PUBLISHED_TERMS.tier("gold")
    with pytest.raises(KeyError):
        PUBLISHED_TERMS.rapid.response_hours["fuzhou"]


# --- snapshots ------------------------------------------------------------------------------


def test_to_dict_is_flat_json_with_decimals_as_strings():
    data = PUBLISHED_TERMS.to_dict()

    assert list(data) == list(OVERRIDE_KEYS) == list(FIELD_KINDS)
    assert json.loads(json.dumps(data)) == data
    assert data["version"] == 1
    assert data["taxi.flag_fall"] == "10.00"
    assert data["taxi.flag_fall_km"] == "3"
    assert data["overtime.rate"] == "0.5"
    assert data["repair.hardware.units_per_block"] == 2
    assert data["rapid.response_hours.base"] == 4
    assert data["rapid.response_hours.zhangzhou"] is None
    assert data["rapid.long_rental.days"] == 7
    assert data["rapid.long_rental.response_hours.base"] == 12
    assert data["rapid.long_rental.cutoff"] == "12:00"
    assert data["value_added.delivery.base"] == "free_within_radius"
    assert data["value_added.delivery.free_km"] == "10"
    assert data["value_added.repair_included.hardware"] == ["base"]
    assert data["basic.repair_transport"] == ["xiamen_mainland", "zhangzhou", "quanzhou", "other"]
    assert data["contractual.repair_transport"] == []


def test_published_terms_round_trip_through_json():
    data = json.loads(json.dumps(PUBLISHED_TERMS.to_dict()))

    restored = ServiceTerms.from_dict(data)

    assert restored == PUBLISHED_TERMS
    assert restored.to_dict() == PUBLISHED_TERMS.to_dict()


def test_overridden_terms_round_trip_through_json():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "rapid.response_hours.base": 2,
            "value_added.delivery.free_km": "20",
            "contractual.long_rental.cutoff": "09:30",
            "contractual.repair_included.software": ["base", "quanzhou"],
        }
    )

    restored = ServiceTerms.from_dict(json.loads(json.dumps(terms.to_dict())))

    assert restored == terms
    assert restored.contractual.long_rental_cutoff == time(9, 30)
    assert restored.contractual.software_repair_included == frozenset({"base", "quanzhou"})


def test_from_dict_refuses_a_missing_key():
    data = PUBLISHED_TERMS.to_dict()
    del data["taxi.per_km"]

    with pytest.raises(TermsError) as raised:
        ServiceTerms.from_dict(data)
    assert raised.value.code == "missing_key"
    assert raised.value.extra == {"keys": ["taxi.per_km"]}


def test_from_dict_refuses_an_unknown_key():
    with pytest.raises(TermsError) as raised:
        ServiceTerms.from_dict({**PUBLISHED_TERMS.to_dict(), "gold.response_hours.base": 1})
    assert raised.value.code == "unknown_key"


def test_from_dict_refuses_something_that_is_not_a_mapping():
    with pytest.raises(TermsError):
        ServiceTerms.from_dict([("version", 1)])


# --- overrides ------------------------------------------------------------------------------


def test_overrides_win_and_leave_the_original_alone():
    terms = PUBLISHED_TERMS.with_overrides(
        {"rapid.response_hours.base": 2, "value_added.delivery.free_km": "20"}
    )

    assert terms.rapid.response_hours["base"] == 2
    assert terms.value_added.delivery_free_km == D("20")
    assert terms.rapid.long_rental_response_hours["base"] == 12
    assert PUBLISHED_TERMS.rapid.response_hours["base"] == 4
    assert PUBLISHED_TERMS.value_added.delivery_free_km == D("10")


def test_no_overrides_give_equal_terms():
    assert PUBLISHED_TERMS.with_overrides({}) == PUBLISHED_TERMS


def test_overrides_accept_what_a_form_gives():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "taxi.per_km": D("2.5"),
            "outside_service_fee": 40,
            "overtime.rate": "0.25",
            "rapid.response_hours.base": "3",
            "rapid.long_rental.cutoff": time(11, 30),
            "basic.response_hours.base": "",
            "contractual.repair_transport": {"zhangzhou", "other"},
        }
    )

    assert terms.taxi_per_km == D("2.50")
    assert terms.outside_service_fee == D("40.00")
    assert terms.overtime_rate == D("0.25")
    assert terms.rapid.response_hours["base"] == 3
    assert terms.rapid.long_rental_cutoff == time(11, 30)
    assert terms.basic.response_hours["base"] is None
    assert terms.contractual.repair_transport == frozenset({"zhangzhou", "other"})
    assert terms.to_dict()["contractual.repair_transport"] == ["zhangzhou", "other"]
    assert terms.to_dict()["outside_service_fee"] == "40.00"


def test_null_clears_a_target():
    terms = PUBLISHED_TERMS.with_overrides({"value_added.response_hours.base": None})
    assert terms.value_added.response_hours["base"] is None


def test_overrides_can_bump_the_version_for_a_new_policy():
    assert PUBLISHED_TERMS.with_overrides({"version": 2}).version == 2


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("taxi.flag_fall", "-1"),
        ("taxi.flag_fall", 10.0),
        ("taxi.flag_fall", "ten"),
        ("taxi.flag_fall", "Infinity"),
        ("taxi.flag_fall", None),
        ("taxi.flag_fall_km", True),
        ("version", 0),
        ("repair.hardware.units_per_block", 0),
        ("overtime.block_hours", 0),
        ("overtime.free_hours", -1),
        ("rapid.response_hours.base", 0),
        ("rapid.response_hours.base", 2.5),
        ("rapid.response_hours.base", "2.5"),
        ("rapid.long_rental.days", 0),
        ("rapid.long_rental.cutoff", "25:00"),
        ("rapid.long_rental.cutoff", "noon"),
        ("rapid.long_rental.cutoff", 12),
        ("rapid.delivery.base", "helicopter"),
        ("rapid.delivery.base", None),
        ("rapid.repair_transport", "base"),
        ("rapid.repair_transport", ["fuzhou"]),
        ("rapid.repair_transport", [["base"]]),
    ],
)
def test_bad_override_values_are_refused(key, value):
    with pytest.raises(TermsError) as raised:
        PUBLISHED_TERMS.with_overrides({key: value})
    assert raised.value.code == "invalid_value"
    assert raised.value.extra == {"key": key}
    assert isinstance(raised.value, ApplicationError)


def test_an_unknown_override_key_is_refused():
    with pytest.raises(TermsError) as raised:
        PUBLISHED_TERMS.with_overrides({"rapid.response_hours.fuzhou": 2})
    assert raised.value.code == "unknown_key"
    assert raised.value.extra == {"keys": ["rapid.response_hours.fuzhou"]}


def test_a_fee_range_whose_low_end_is_above_the_high_end_is_refused():
    with pytest.raises(TermsError) as raised:
        PUBLISHED_TERMS.with_overrides({"repair.hardware.base.min": "150"})
    assert raised.value.code == "invalid_range"


def test_every_key_has_a_documented_kind():
    assert set(FIELD_KINDS.values()) == {
        "version",
        "money",
        "km",
        "rate",
        "count",
        "hours",
        "hours_or_null",
        "days_or_null",
        "clock_or_null",
        "delivery_mode",
        "zones",
    }
    assert len(OVERRIDE_KEYS) == 17 + 22 * len(TIERS)


def test_choices_for_forms_are_translated_labels():
    with translation.override("en"):
        assert tier_choices() == [
            ("basic", "Basic service"),
            ("value_added", "Value-added service"),
            ("rapid", "Rapid service"),
            ("contractual", "Contractual service"),
        ]
        assert [value for value, _ in zone_choices()] == list(ZONES)


# --- properties -----------------------------------------------------------------------------

hours_or_null = st.one_of(st.none(), st.integers(min_value=1, max_value=720))
money_text = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False).map(str)
zone_sets = st.frozensets(st.sampled_from(ZONES)).map(sorted)


@given(
    tier=st.sampled_from(TIERS),
    zone=st.sampled_from(ZONES),
    hours=hours_or_null,
    long_hours=hours_or_null,
    days=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    cutoff=st.one_of(st.none(), st.times().map(lambda t: t.strftime("%H:%M"))),
    mode=st.sampled_from(["free", "taxi", "taxi_plus_service_fee", "free_within_radius"]),
    fee=money_text,
    included=zone_sets,
)
def test_any_valid_overrides_survive_a_json_round_trip(
    tier, zone, hours, long_hours, days, cutoff, mode, fee, included
):
    terms = PUBLISHED_TERMS.with_overrides(
        {
            f"{tier}.response_hours.{zone}": hours,
            f"{tier}.long_rental.response_hours.{zone}": long_hours,
            f"{tier}.long_rental.days": days,
            f"{tier}.long_rental.cutoff": cutoff,
            f"{tier}.delivery.{zone}": mode,
            f"{tier}.delivery.per_km_beyond": fee,
            f"{tier}.repair_included.hardware": included,
            "outside_service_fee": fee,
        }
    )

    restored = ServiceTerms.from_dict(json.loads(json.dumps(terms.to_dict())))

    assert restored == terms
    assert restored.tier(tier).response_hours[zone] == hours
    assert restored.tier(tier).delivery[zone] == mode
