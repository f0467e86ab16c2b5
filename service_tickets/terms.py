"""Service-tier terms: every number and switch the response-deadline and fee rules read.

DOMAIN.md ("Service tiers", "Response deadline (SLA) rules", "Fees") gives the published values;
`PUBLISHED_TERMS` holds them as version 1. A contract keeps a snapshot of the terms it was signed
under (`terms.to_dict()`, a flat JSON-able dict) and may change any of them: contract terms
override every published rule (如果租赁协议上对服务内容另有约定,以协议为准). `sla.py` and
`fees.py` take a `ServiceTerms` and never hard-code a number.

Keys
----
`to_dict()`, `ServiceTerms.from_dict(d)` and `terms.with_overrides({...})` all speak the same flat
vocabulary, one key per value, so a staff form can show one field per key (`FIELD_KINDS` says
which widget each needs) and pass its `cleaned_data` straight to `with_overrides`. Money and other
decimals are written as strings ("10.00", "0.5"); `with_overrides` also accepts Decimal, int,
`datetime.time` and lists/sets as a form gives them, and "" (a blank field) for null.

Global keys:

=====================================  ===============  ==========================================
key                                    kind             meaning (published value)
=====================================  ===============  ==========================================
version                                version          policy version the values come from (1)
taxi.flag_fall                         money            taxi fare for the first km (10.00)
taxi.flag_fall_km                      km               km covered by the flag fall (3)
taxi.per_km                            money            each further km or part of one (2.00)
outside_service_fee                    money            added to "taxi_plus_service_fee" (50.00)
repair.hardware.base.min / .max        money            hardware, per block, base zone (50–100)
repair.hardware.outside.min / .max     money            hardware, per block, other zones (100–200)
repair.hardware.units_per_block        count            units one hardware block covers (2)
repair.software.base.min / .max        money            software, per unit, base zone (100–100)
repair.software.outside.min / .max     money            software, per unit, other zones (150–200)
overtime.free_hours                    hours            hours after arrival without surcharge (24)
overtime.block_hours                   count            each further started block of hours (24)
overtime.rate                          rate             share of the repair fee per block (0.5)
=====================================  ===============  ==========================================

Per tier, with `<tier>` one of basic, value_added, rapid, contractual and `<zone>` one of base,
xiamen_mainland, zhangzhou, quanzhou, other:

=======================================  ================  ========================================
key                                      kind              meaning
=======================================  ================  ========================================
<tier>.response_hours.<zone>             hours_or_null     technician on site within this many
                                                           hours; null: no automatic deadline
<tier>.long_rental.days                  days_or_null      rentals of at least this many days use
                                                           the long-rental target; null: never
<tier>.long_rental.response_hours.<zone> hours_or_null     target for long rentals; null: the
                                                           ordinary target applies to them too
<tier>.long_rental.cutoff                clock_or_null     "HH:MM": for a long rental, a call at
                                                           or after it is due at that time the
                                                           next calendar day
<tier>.delivery.<zone>                   delivery_mode     free | taxi | taxi_plus_service_fee |
                                                           free_within_radius
<tier>.delivery.free_km                  km                free_within_radius: free up to here
<tier>.delivery.per_km_beyond            money             free_within_radius: per km or part
                                                           beyond free_km
<tier>.repair_included.hardware          zones             zones where on-site hardware repair
                                                           costs nothing
<tier>.repair_included.software          zones             the same for software repair
<tier>.repair_transport                  zones             zones where on-site repair adds the
                                                           one-way taxi fare for transport
=======================================  ================  ========================================

Published values per tier (DOMAIN.md): basic has no response target, base-zone delivery at the
taxi fare, and charges for all on-site repair; value_added has 24 h in the base zone, free
delivery within 10 km then 2 CNY per km or part, and includes base-zone repair; rapid has 4 h in
the base zone, 12 h from 7 rental days with the 12:00 cutoff, free base-zone delivery, and includes
base-zone repair. Outside the base zone those three have no automatic response target
("negotiated"), deliver at taxi fare + service fee and charge repair + transport. The contractual
tier has no automatic values: no response target anywhere, and nothing charged (free delivery,
repair included everywhere, no transport) until the contract's overrides say otherwise — charging
money the contract did not mention would be worse than charging too little.

A contract override example (rapid with a 2-hour target, value-added radius 20 km):
``PUBLISHED_TERMS.with_overrides({"rapid.response_hours.base": 2,
"value_added.delivery.free_km": "20"})``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import time
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.utils.translation import gettext, gettext_noop

from rental.core.errors import ApplicationError
from rental.core.money import cny, plain_number, to_decimal

TIERS: tuple[str, ...] = ("basic", "value_added", "rapid", "contractual")
ZONES: tuple[str, ...] = ("base", "xiamen_mainland", "zhangzhou", "quanzhou", "other")
OUTSIDE_ZONES: tuple[str, ...] = ZONES[1:]
REPAIR_KINDS: tuple[str, ...] = ("hardware", "software")
DELIVERY_MODES: tuple[str, ...] = ("free", "taxi", "taxi_plus_service_fee", "free_within_radius")

# Marked for translation here, translated where shown (gettext(TIER_LABELS[tier])).
TIER_LABELS: dict[str, str] = {
    "basic": gettext_noop("Basic service"),
    "value_added": gettext_noop("Value-added service"),
    "rapid": gettext_noop("Rapid service"),
    "contractual": gettext_noop("Contractual service"),
}
ZONE_LABELS: dict[str, str] = {
    "base": gettext_noop("base zone"),
    "xiamen_mainland": gettext_noop("Xiamen mainland"),
    "zhangzhou": gettext_noop("Zhangzhou"),
    "quanzhou": gettext_noop("Quanzhou"),
    "other": gettext_noop("other areas"),
}


def tier_choices() -> list[tuple[str, str]]:
    """(value, translated label) pairs for a form or model field."""
    return [(tier, gettext(TIER_LABELS[tier])) for tier in TIERS]


def zone_choices() -> list[tuple[str, str]]:
    return [(zone, gettext(ZONE_LABELS[zone])) for zone in ZONES]


class TermsError(ApplicationError):
    """Service terms that cannot be read: an unknown key, a missing one, a bad value."""


T = TypeVar("T")


@dataclass(frozen=True)
class PerZone(Generic[T]):
    """One value for each service zone; `per_zone[zone]` reads it."""

    base: T
    xiamen_mainland: T
    zhangzhou: T
    quanzhou: T
    other: T

    def __getitem__(self, zone: str) -> T:
        if zone not in ZONES:
            raise KeyError(zone)
        return getattr(self, zone)

    @classmethod
    def of(cls, base: T, outside: T) -> PerZone[T]:
        return cls(base, outside, outside, outside, outside)


@dataclass(frozen=True)
class FeeRange:
    """The lowest and highest price a technician may pick, in CNY."""

    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class TierTerms:
    """What one tier promises and charges; see the module docstring for each value."""

    response_hours: PerZone[int | None]
    long_rental_days: int | None
    long_rental_response_hours: PerZone[int | None]
    long_rental_cutoff: time | None
    delivery: PerZone[str]
    delivery_free_km: Decimal
    delivery_per_km_beyond: Decimal
    hardware_repair_included: frozenset[str]
    software_repair_included: frozenset[str]
    repair_transport: frozenset[str]

    def repair_included(self, kind: str) -> frozenset[str]:
        if kind == "hardware":
            return self.hardware_repair_included
        return self.software_repair_included


@dataclass(frozen=True)
class ServiceTerms:
    """Everything the SLA and fee rules need, for all tiers and zones; immutable."""

    version: int
    taxi_flag_fall: Decimal
    taxi_flag_fall_km: Decimal
    taxi_per_km: Decimal
    outside_service_fee: Decimal
    hardware_base: FeeRange
    hardware_outside: FeeRange
    hardware_units_per_block: int
    software_base: FeeRange
    software_outside: FeeRange
    overtime_free_hours: int
    overtime_block_hours: int
    overtime_rate: Decimal
    basic: TierTerms
    value_added: TierTerms
    rapid: TierTerms
    contractual: TierTerms

    def tier(self, tier: str) -> TierTerms:
        if tier not in TIERS:
            raise KeyError(tier)
        return getattr(self, tier)

    def repair_table(self, *, kind: str, zone: str) -> FeeRange:
        """Hardware: price per block of units; software: price per unit."""
        if kind == "hardware":
            return self.hardware_base if zone == "base" else self.hardware_outside
        return self.software_base if zone == "base" else self.software_outside

    def to_dict(self) -> dict[str, Any]:
        """The terms as a flat dict of JSON values (decimals as strings), keys as documented."""
        values = _flatten(self)
        return {key: _encode(FIELD_KINDS[key], values[key]) for key in FIELD_KINDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceTerms:
        """Read terms written by `to_dict()`; every key must be present and none unknown."""
        if not isinstance(data, Mapping):
            raise TermsError(gettext("Service terms must be a mapping of settings."))
        _refuse_unknown(data)
        missing = [key for key in FIELD_KINDS if key not in data]
        if missing:
            raise TermsError(
                gettext("Service terms are missing the setting %(key)s.") % {"key": missing[0]},
                code="missing_key",
                extra={"keys": missing},
            )
        values = {key: _decode(key, FIELD_KINDS[key], data[key]) for key in FIELD_KINDS}
        return _build(values)

    def with_overrides(self, overrides: Mapping[str, Any]) -> ServiceTerms:
        """New terms in which the given keys win; the others keep these terms' values."""
        if not isinstance(overrides, Mapping):
            raise TermsError(gettext("Service terms must be a mapping of settings."))
        _refuse_unknown(overrides)
        values = _flatten(self)
        for key, raw in overrides.items():
            values[key] = _decode(key, FIELD_KINDS[key], raw)
        return _build(values)


# --- the key vocabulary ---------------------------------------------------------------------

_GLOBAL_KINDS: dict[str, str] = {
    "version": "version",
    "taxi.flag_fall": "money",
    "taxi.flag_fall_km": "km",
    "taxi.per_km": "money",
    "outside_service_fee": "money",
    "repair.hardware.base.min": "money",
    "repair.hardware.base.max": "money",
    "repair.hardware.outside.min": "money",
    "repair.hardware.outside.max": "money",
    "repair.hardware.units_per_block": "count",
    "repair.software.base.min": "money",
    "repair.software.base.max": "money",
    "repair.software.outside.min": "money",
    "repair.software.outside.max": "money",
    "overtime.free_hours": "hours",
    "overtime.block_hours": "count",
    "overtime.rate": "rate",
}


def _tier_kinds(tier: str) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for zone in ZONES:
        kinds[f"{tier}.response_hours.{zone}"] = "hours_or_null"
    kinds[f"{tier}.long_rental.days"] = "days_or_null"
    for zone in ZONES:
        kinds[f"{tier}.long_rental.response_hours.{zone}"] = "hours_or_null"
    kinds[f"{tier}.long_rental.cutoff"] = "clock_or_null"
    for zone in ZONES:
        kinds[f"{tier}.delivery.{zone}"] = "delivery_mode"
    kinds[f"{tier}.delivery.free_km"] = "km"
    kinds[f"{tier}.delivery.per_km_beyond"] = "money"
    kinds[f"{tier}.repair_included.hardware"] = "zones"
    kinds[f"{tier}.repair_included.software"] = "zones"
    kinds[f"{tier}.repair_transport"] = "zones"
    return kinds


#: Every key, in display order, with its kind: version (int ≥ 1), money (CNY ≥ 0, 2 places),
#: km / rate (decimal ≥ 0), count (int ≥ 1), hours (int ≥ 0), hours_or_null / days_or_null
#: (int ≥ 1 or null), clock_or_null ("HH:MM" or null), delivery_mode (one of DELIVERY_MODES),
#: zones (list of ZONES).
FIELD_KINDS: dict[str, str] = {
    **_GLOBAL_KINDS,
    **{key: kind for tier in TIERS for key, kind in _tier_kinds(tier).items()},
}
OVERRIDE_KEYS: tuple[str, ...] = tuple(FIELD_KINDS)

_NULLABLE = {"hours_or_null", "days_or_null", "clock_or_null"}


def _refuse_unknown(data: Mapping[str, Any]) -> None:
    unknown = [key for key in data if key not in FIELD_KINDS]
    if unknown:
        raise TermsError(
            gettext("There is no service-terms setting called %(key)s.") % {"key": unknown[0]},
            code="unknown_key",
            extra={"keys": unknown},
        )


def _bad(key: str) -> TermsError:
    return TermsError(
        gettext("The service-terms setting %(key)s has a value that is not allowed.")
        % {"key": key},
        code="invalid_value",
        extra={"key": key},
    )


def _decimal(key: str, raw: Any) -> Decimal:
    try:
        value = to_decimal(raw, error=TermsError)
    except (TypeError, TermsError):
        raise _bad(key) from None
    if value < 0:
        raise _bad(key)
    return value


def _int(key: str, raw: Any, minimum: int) -> int:
    if isinstance(raw, bool | float):
        raise _bad(key)
    if isinstance(raw, str):
        if not raw.strip().isdigit():
            raise _bad(key)
        raw = int(raw.strip())
    if not isinstance(raw, int) or raw < minimum:
        raise _bad(key)
    return raw


# --- upper bounds (issue 10) ----------------------------------------------------------------
#: The largest value each kind of setting may take: far above any real contract, low enough that
#: every fee, sum and deadline computed from the terms stays in range (a 100-digit response time
#: overflowed the deadline of every call; a huge flag fall overflowed cny()).
KIND_MAXIMUM: dict[str, Decimal | int] = {
    "money": Decimal("100000"),
    "km": Decimal("10000"),
    "rate": Decimal("10"),
    "count": 1000,
    "hours": 8760,
    "hours_or_null": 8760,
    "days_or_null": 3660,
    "version": 1_000_000,
}


def _decode(key: str, kind: str, raw: Any) -> Any:
    """A value from JSON or a form, checked, bounded and turned into the type the terms hold."""
    if isinstance(raw, str) and len(raw) > 100:
        raise _bad(key)
    maximum = KIND_MAXIMUM.get(kind)
    # Compared before decoding: cny() cannot even round a number as large as 1e999.
    if maximum is not None and _number(raw) > maximum:
        raise TermsError(
            gettext("The service-terms setting %(key)s can be at most %(maximum)s.")
            % {"key": key, "maximum": maximum},
            code="too_large",
            extra={"key": key},
        )
    return _decode_value(key, kind, raw)


def _number(raw: Any) -> Decimal:
    """The raw value as a number for the bound check; 0 when it is none (decoding judges it)."""
    try:
        return to_decimal(raw, error=TermsError)
    except (TypeError, TermsError):
        return Decimal(0)


def _decode_value(key: str, kind: str, raw: Any) -> Any:
    if kind in _NULLABLE and (raw is None or raw == ""):
        return None
    if kind == "money":
        return cny(_decimal(key, raw))
    if kind in ("km", "rate"):
        return _decimal(key, raw)
    if kind == "version":
        return _int(key, raw, 1)
    if kind in ("count", "hours_or_null", "days_or_null"):
        return _int(key, raw, 1)
    if kind == "hours":
        return _int(key, raw, 0)
    if kind == "clock_or_null":
        if isinstance(raw, time):
            return raw.replace(second=0, microsecond=0, tzinfo=None)
        if isinstance(raw, str):
            try:
                hours, minutes = raw.strip().split(":")
                return time(int(hours), int(minutes))
            except ValueError:
                raise _bad(key) from None
        raise _bad(key)
    if kind == "delivery_mode":
        if raw not in DELIVERY_MODES:
            raise _bad(key)
        return raw
    if kind == "zones":
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            raise _bad(key)
        try:
            zones = frozenset(raw)
        except TypeError:  # unhashable items
            raise _bad(key) from None
        if not zones <= set(ZONES):
            raise _bad(key)
        return zones
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return str(cny(value))
    if kind in ("km", "rate"):
        return plain_number(value)
    if kind == "clock_or_null":
        return value.strftime("%H:%M")
    if kind == "zones":
        return [zone for zone in ZONES if zone in value]
    return value


def _flatten(terms: ServiceTerms) -> dict[str, Any]:
    values: dict[str, Any] = {
        "version": terms.version,
        "taxi.flag_fall": terms.taxi_flag_fall,
        "taxi.flag_fall_km": terms.taxi_flag_fall_km,
        "taxi.per_km": terms.taxi_per_km,
        "outside_service_fee": terms.outside_service_fee,
        "repair.hardware.base.min": terms.hardware_base.low,
        "repair.hardware.base.max": terms.hardware_base.high,
        "repair.hardware.outside.min": terms.hardware_outside.low,
        "repair.hardware.outside.max": terms.hardware_outside.high,
        "repair.hardware.units_per_block": terms.hardware_units_per_block,
        "repair.software.base.min": terms.software_base.low,
        "repair.software.base.max": terms.software_base.high,
        "repair.software.outside.min": terms.software_outside.low,
        "repair.software.outside.max": terms.software_outside.high,
        "overtime.free_hours": terms.overtime_free_hours,
        "overtime.block_hours": terms.overtime_block_hours,
        "overtime.rate": terms.overtime_rate,
    }
    for tier in TIERS:
        t = terms.tier(tier)
        for zone in ZONES:
            values[f"{tier}.response_hours.{zone}"] = t.response_hours[zone]
            values[f"{tier}.long_rental.response_hours.{zone}"] = t.long_rental_response_hours[zone]
            values[f"{tier}.delivery.{zone}"] = t.delivery[zone]
        values[f"{tier}.long_rental.days"] = t.long_rental_days
        values[f"{tier}.long_rental.cutoff"] = t.long_rental_cutoff
        values[f"{tier}.delivery.free_km"] = t.delivery_free_km
        values[f"{tier}.delivery.per_km_beyond"] = t.delivery_per_km_beyond
        values[f"{tier}.repair_included.hardware"] = t.hardware_repair_included
        values[f"{tier}.repair_included.software"] = t.software_repair_included
        values[f"{tier}.repair_transport"] = t.repair_transport
    return values


def _fee_range(values: Mapping[str, Any], prefix: str) -> FeeRange:
    low, high = values[f"{prefix}.min"], values[f"{prefix}.max"]
    if low > high:
        raise TermsError(
            gettext("%(key)s: the lowest fee must not be above the highest.") % {"key": prefix},
            code="invalid_range",
            extra={"key": prefix},
        )
    return FeeRange(low=low, high=high)


def _build(values: Mapping[str, Any]) -> ServiceTerms:
    def per_zone(prefix: str) -> PerZone:
        return PerZone(*(values[f"{prefix}.{zone}"] for zone in ZONES))

    tiers = {
        tier: TierTerms(
            response_hours=per_zone(f"{tier}.response_hours"),
            long_rental_days=values[f"{tier}.long_rental.days"],
            long_rental_response_hours=per_zone(f"{tier}.long_rental.response_hours"),
            long_rental_cutoff=values[f"{tier}.long_rental.cutoff"],
            delivery=per_zone(f"{tier}.delivery"),
            delivery_free_km=values[f"{tier}.delivery.free_km"],
            delivery_per_km_beyond=values[f"{tier}.delivery.per_km_beyond"],
            hardware_repair_included=values[f"{tier}.repair_included.hardware"],
            software_repair_included=values[f"{tier}.repair_included.software"],
            repair_transport=values[f"{tier}.repair_transport"],
        )
        for tier in TIERS
    }
    return ServiceTerms(
        version=values["version"],
        taxi_flag_fall=values["taxi.flag_fall"],
        taxi_flag_fall_km=values["taxi.flag_fall_km"],
        taxi_per_km=values["taxi.per_km"],
        outside_service_fee=values["outside_service_fee"],
        hardware_base=_fee_range(values, "repair.hardware.base"),
        hardware_outside=_fee_range(values, "repair.hardware.outside"),
        hardware_units_per_block=values["repair.hardware.units_per_block"],
        software_base=_fee_range(values, "repair.software.base"),
        software_outside=_fee_range(values, "repair.software.outside"),
        overtime_free_hours=values["overtime.free_hours"],
        overtime_block_hours=values["overtime.block_hours"],
        overtime_rate=values["overtime.rate"],
        **tiers,
    )


# --- the published terms (DOMAIN.md), version 1 ------------------------------------------------

_NONE: PerZone[int | None] = PerZone.of(None, None)
_BASE_ONLY = frozenset({"base"})
_OUTSIDE = frozenset(OUTSIDE_ZONES)
_RADIUS_KM = Decimal("10")
_PER_KM_BEYOND = cny(2)

_BASIC = TierTerms(
    response_hours=_NONE,
    long_rental_days=None,
    long_rental_response_hours=_NONE,
    long_rental_cutoff=None,
    delivery=PerZone.of("taxi", "taxi_plus_service_fee"),
    delivery_free_km=_RADIUS_KM,
    delivery_per_km_beyond=_PER_KM_BEYOND,
    hardware_repair_included=frozenset(),
    software_repair_included=frozenset(),
    repair_transport=_OUTSIDE,
)

PUBLISHED_TERMS = ServiceTerms(
    version=1,
    taxi_flag_fall=cny(10),
    taxi_flag_fall_km=Decimal("3"),
    taxi_per_km=cny(2),
    outside_service_fee=cny(50),
    hardware_base=FeeRange(cny(50), cny(100)),
    hardware_outside=FeeRange(cny(100), cny(200)),
    hardware_units_per_block=2,
    software_base=FeeRange(cny(100), cny(100)),
    software_outside=FeeRange(cny(150), cny(200)),
    overtime_free_hours=24,
    overtime_block_hours=24,
    overtime_rate=Decimal("0.5"),
    basic=_BASIC,
    value_added=replace(
        _BASIC,
        response_hours=PerZone.of(24, None),
        delivery=PerZone.of("free_within_radius", "taxi_plus_service_fee"),
        hardware_repair_included=_BASE_ONLY,
        software_repair_included=_BASE_ONLY,
    ),
    rapid=replace(
        _BASIC,
        response_hours=PerZone.of(4, None),
        long_rental_days=7,
        long_rental_response_hours=PerZone.of(12, None),
        long_rental_cutoff=time(12, 0),
        delivery=PerZone.of("free", "taxi_plus_service_fee"),
        hardware_repair_included=_BASE_ONLY,
        software_repair_included=_BASE_ONLY,
    ),
    contractual=replace(
        _BASIC,
        delivery=PerZone.of("free", "free"),
        hardware_repair_included=frozenset(ZONES),
        software_repair_included=frozenset(ZONES),
        repair_transport=frozenset(),
    ),
)

__all__ = [
    "DELIVERY_MODES",
    "FIELD_KINDS",
    "OUTSIDE_ZONES",
    "OVERRIDE_KEYS",
    "PUBLISHED_TERMS",
    "REPAIR_KINDS",
    "TIERS",
    "TIER_LABELS",
    "ZONES",
    "ZONE_LABELS",
    "FeeRange",
    "PerZone",
    "ServiceTerms",
    "TermsError",
    "TierTerms",
    "tier_choices",
    "zone_choices",
]
