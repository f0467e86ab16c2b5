"""Service fees: delivery/pickup trips, on-site repair ranges and the overtime surcharge.

DOMAIN.md ("Fees"), with every number read from `ServiceTerms` (published or a contract's
snapshot). Amounts are Decimal CNY rounded to 0.01; distances are road km from the depot, and
a started km counts as a whole one ("per km or part of a km"). Each rule has an `explain_*`
companion that says, in the active language, how the amount was reached.

Choices where DOMAIN.md is silent (documented in `terms.py` too): the contractual tier charges
nothing automatically — free delivery, repair included, no transport — until the contract's
overrides say otherwise; transport for on-site repair outside the base zone is added for every
tier that charges it, whether or not the work itself is included.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext, ngettext

from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny, plain_number, to_decimal

from .terms import (
    REPAIR_KINDS,
    TIER_LABELS,
    TIERS,
    ZONE_LABELS,
    ZONES,
    FeeRange,
    ServiceTerms,
)


class FeeError(ApplicationError):
    """A fee cannot be computed from these inputs, or a chosen fee is outside its range."""


# --- taxi fare ----------------------------------------------------------------------------------


def taxi_fare(*, distance_km: Decimal, terms: ServiceTerms) -> Decimal:
    """The Xiamen taxi fare for a one-way trip: flag fall, then a price per started km.

    Published: 10 CNY covers the first 3 km, then 2 CNY per km or part (3.2 km → 12, 7.5 → 20).
    0 km still costs the flag fall.
    """
    return _taxi(_distance(distance_km), terms)[0]


def _taxi(km: Decimal, terms: ServiceTerms) -> tuple[Decimal, int]:
    """(fare, started km charged beyond the flag fall)."""
    extra_km = _started(max(Decimal(0), km - terms.taxi_flag_fall_km))
    return cny(terms.taxi_flag_fall + terms.taxi_per_km * extra_km), extra_km


def _taxi_phrase(km: Decimal, terms: ServiceTerms) -> str:
    fare, extra_km = _taxi(km, terms)
    params = {
        "flag_fall": plain_number(terms.taxi_flag_fall),
        "flag_fall_km": plain_number(terms.taxi_flag_fall_km),
        "per_km": plain_number(terms.taxi_per_km),
        "extra_km": extra_km,
        "fare": fare,
    }
    if extra_km:
        return (
            gettext(
                "taxi fare %(flag_fall)s CNY for the first %(flag_fall_km)s km + %(per_km)s CNY "
                "× %(extra_km)s km = %(fare)s CNY"
            )
            % params
        )
    return (
        gettext("taxi fare %(flag_fall)s CNY for the first %(flag_fall_km)s km = %(fare)s CNY")
        % params
    )


# --- delivery and pickup -------------------------------------------------------------------------


def delivery_fee(*, tier: str, zone: str, distance_km: Decimal, terms: ServiceTerms) -> Decimal:
    """The fee for one one-way delivery or pickup trip.

    Published: base zone — basic pays the taxi fare, value-added is free within 10 km and pays
    2 CNY per km or part beyond 10, rapid is free; outside the base zone every tier pays the taxi
    fare + 50 CNY service fee; contractual is free unless the contract's terms set a mode.
    """
    _check_tier_zone(tier, zone)
    return _delivery(tier, zone, _distance(distance_km), terms)[0]


def _delivery(tier: str, zone: str, km: Decimal, terms: ServiceTerms) -> tuple[Decimal, str]:
    """(fee, sentence body explaining it)."""
    rules = terms.tier(tier)
    mode = rules.delivery[zone]
    if mode == "taxi":
        fare, _ = _taxi(km, terms)
        return fare, _taxi_phrase(km, terms)
    if mode == "taxi_plus_service_fee":
        fare, _ = _taxi(km, terms)
        total = cny(fare + terms.outside_service_fee)
        return total, gettext("%(taxi)s, plus a %(fee)s CNY service fee = %(total)s CNY") % {
            "taxi": _taxi_phrase(km, terms),
            "fee": plain_number(terms.outside_service_fee),
            "total": total,
        }
    if mode == "free_within_radius":
        beyond = _started(max(Decimal(0), km - rules.delivery_free_km))
        total = cny(rules.delivery_per_km_beyond * beyond)
        params = {
            "free_km": plain_number(rules.delivery_free_km),
            "per_km": plain_number(rules.delivery_per_km_beyond),
            "extra_km": beyond,
            "total": total,
        }
        if beyond:
            return total, gettext(
                "free within %(free_km)s km, then %(per_km)s CNY × %(extra_km)s km beyond "
                "= %(total)s CNY"
            ) % params
        return total, gettext("free within %(free_km)s km = %(total)s CNY") % params
    return cny(ZERO), gettext("each one-way trip is free")


def explain_delivery_fee(*, tier: str, zone: str, distance_km: Decimal, terms: ServiceTerms) -> str:
    """E.g. "Basic service, base zone, 7.5 km: taxi fare 10 CNY for the first 3 km + 2 CNY × 5 km
    = 20.00 CNY." """
    _check_tier_zone(tier, zone)
    km = _distance(distance_km)
    _, body = _delivery(tier, zone, km, terms)
    return gettext("%(tier)s, %(zone)s, %(km)s km: %(how)s.") % {
        **_labels(tier, zone),
        "km": plain_number(km),
        "how": body,
    }


# --- on-site repair ---------------------------------------------------------------------------


def repair_fee_range(
    *,
    tier: str,
    zone: str,
    kind: str,
    units: int,
    distance_km: Decimal,
    terms: ServiceTerms,
) -> tuple[Decimal, Decimal]:
    """(lowest, highest) price of one on-site repair visit, transport included.

    Work included in the tier (published: value-added and rapid in the base zone; contractual
    everywhere) costs 0. Otherwise hardware costs the zone's range per block of 1–2 units
    (base 50–100, outside 100–200) and software the zone's price per unit (base 100, outside
    150–200). Where the tier charges transport (published: outside the base zone, every tier but
    contractual) the one-way taxi fare is added to both ends.
    """
    _check_tier_zone(tier, zone)
    _check_kind_units(kind, units)
    km = _distance(distance_km)
    work, transport = _repair_parts(tier, zone, kind, units, km, terms)
    return cny(work.low + transport), cny(work.high + transport)


def repair_transport_fee(
    *, tier: str, zone: str, distance_km: Decimal, terms: ServiceTerms
) -> Decimal:
    """Transport alone for an on-site visit: the one-way taxi fare where the tier charges it
    (published: outside the base zone, every tier but contractual), else 0.

    Used for a visit that did no chargeable work (advice or a check only).
    """
    _check_tier_zone(tier, zone)
    km = _distance(distance_km)
    if zone in terms.tier(tier).repair_transport:
        return _taxi(km, terms)[0]
    return cny(ZERO)


def explain_repair_transport_fee(
    *, tier: str, zone: str, distance_km: Decimal, terms: ServiceTerms
) -> str:
    _check_tier_zone(tier, zone)
    km = _distance(distance_km)
    params = {**_labels(tier, zone), "km": plain_number(km)}
    if zone in terms.tier(tier).repair_transport:
        params["how"] = _taxi_phrase(km, terms)
        return (
            gettext("%(tier)s, %(zone)s, a visit without repair work: transport, %(how)s.") % params
        )
    return gettext("%(tier)s, %(zone)s, a visit without repair work: no charge.") % params


def repair_list_price_range(
    *, zone: str, kind: str, units: int, terms: ServiceTerms
) -> tuple[Decimal, Decimal]:
    """The fee table's price of the work alone, as if it were not included and with no transport.

    DOMAIN.md: included work costs 0 "and is still recorded with the price it would have had";
    this is that price.
    """
    _check_zone(zone)
    _check_kind_units(kind, units)
    table = _list_price(zone, kind, units, terms)
    return table.low, table.high


def _blocks(units: int, terms: ServiceTerms) -> int:
    return -(-units // terms.hardware_units_per_block)


def _list_price(zone: str, kind: str, units: int, terms: ServiceTerms) -> FeeRange:
    table = terms.repair_table(kind=kind, zone=zone)
    count = _blocks(units, terms) if kind == "hardware" else units
    return FeeRange(cny(table.low * count), cny(table.high * count))


def _repair_parts(
    tier: str, zone: str, kind: str, units: int, km: Decimal, terms: ServiceTerms
) -> tuple[FeeRange, Decimal]:
    """(the work's range, transport)."""
    rules = terms.tier(tier)
    if zone in rules.repair_included(kind):
        work = FeeRange(cny(ZERO), cny(ZERO))
    else:
        work = _list_price(zone, kind, units, terms)
    transport = _taxi(km, terms)[0] if zone in rules.repair_transport else cny(ZERO)
    return work, transport


def explain_repair_fee_range(
    *,
    tier: str,
    zone: str,
    kind: str,
    units: int,
    distance_km: Decimal,
    terms: ServiceTerms,
) -> str:
    """E.g. "Basic service, base zone, hardware repair of 3 units: 2 blocks of up to 2 units ×
    50–100 CNY = 100.00–200.00 CNY." """
    _check_tier_zone(tier, zone)
    _check_kind_units(kind, units)
    km = _distance(distance_km)
    work, transport = _repair_parts(tier, zone, kind, units, km, terms)
    included = zone in terms.tier(tier).repair_included(kind)
    list_price = _list_price(zone, kind, units, terms)
    table = terms.repair_table(kind=kind, zone=zone)

    if included:
        how = gettext("the work is included: %(zero)s CNY (list price %(list_price)s)") % {
            "zero": cny(ZERO),
            "list_price": _range_text(list_price),
        }
    elif kind == "hardware":
        blocks = _blocks(units, terms)
        how = ngettext(
            "%(blocks)d block of up to %(per_block)d units × %(price)s CNY = %(total)s",
            "%(blocks)d blocks of up to %(per_block)d units × %(price)s CNY = %(total)s",
            blocks,
        ) % {
            "blocks": blocks,
            "per_block": terms.hardware_units_per_block,
            "price": _table_text(table),
            "total": _range_text(work),
        }
    else:
        how = ngettext(
            "%(units)d unit × %(price)s CNY = %(total)s",
            "%(units)d units × %(price)s CNY = %(total)s",
            units,
        ) % {"units": units, "price": _table_text(table), "total": _range_text(work)}

    params = {
        **_labels(tier, zone),
        "units": ngettext("%(count)d unit", "%(count)d units", units) % {"count": units},
        "how": how,
    }
    if transport:
        low, high = work.low + transport, work.high + transport
        params |= {
            "km": plain_number(km),
            "transport": transport,
            "total": _range_text(FeeRange(cny(low), cny(high))),
        }
        if kind == "hardware":
            template = gettext(
                "%(tier)s, %(zone)s, on-site hardware repair of %(units)s: %(how)s, plus "
                "transport (one-way taxi fare for %(km)s km) %(transport)s CNY = %(total)s."
            )
        else:
            template = gettext(
                "%(tier)s, %(zone)s, on-site software repair of %(units)s: %(how)s, plus "
                "transport (one-way taxi fare for %(km)s km) %(transport)s CNY = %(total)s."
            )
    elif kind == "hardware":
        template = gettext("%(tier)s, %(zone)s, on-site hardware repair of %(units)s: %(how)s.")
    else:
        template = gettext("%(tier)s, %(zone)s, on-site software repair of %(units)s: %(how)s.")
    return template % params


# --- overtime and the technician's chosen fee -------------------------------------------------


def overtime_surcharge(
    *, repair_fee: Decimal, hours_to_resolve: Decimal, terms: ServiceTerms
) -> Decimal:
    """The surcharge for a repair resolved more than 24 h after the technician arrived.

    Published: 50 % of the repair fee for each further started 24 h (24 h → 0, 24.5 h → 1 block,
    48 h → 1, 48.01 h → 2). Staff may waive it; that decision is not a rule and lives in the
    service that closes the ticket.
    """
    fee = _money(repair_fee)
    hours = _hours(hours_to_resolve)
    return cny(fee * terms.overtime_rate * _overtime_blocks(hours, terms))


def overtime_blocks(*, hours_to_resolve: Decimal, terms: ServiceTerms) -> int:
    """How many started surcharge periods a resolution time falls into (24 h → 0, 24.5 h → 1)."""
    return _overtime_blocks(_hours(hours_to_resolve), terms)


def _overtime_blocks(hours: Decimal, terms: ServiceTerms) -> int:
    over = hours - terms.overtime_free_hours
    if over <= 0:
        return 0
    return _started(over / terms.overtime_block_hours)


def explain_overtime_surcharge(
    *, repair_fee: Decimal, hours_to_resolve: Decimal, terms: ServiceTerms
) -> str:
    fee = _money(repair_fee)
    hours = _hours(hours_to_resolve)
    blocks = _overtime_blocks(hours, terms)
    params = {
        "hours": plain_number(hours),
        "free_hours": terms.overtime_free_hours,
        "block_hours": terms.overtime_block_hours,
        "blocks": blocks,
        "percent": plain_number(terms.overtime_rate * 100),
        "fee": fee,
        "total": cny(fee * terms.overtime_rate * blocks),
    }
    if not blocks:
        return (
            gettext(
                "Resolved %(hours)s hours after the technician arrived, within %(free_hours)s "
                "hours: no surcharge."
            )
            % params
        )
    return (
        ngettext(
            "Resolved %(hours)s hours after the technician arrived: %(blocks)d started "
            "%(block_hours)s-hour period beyond the first %(free_hours)s hours × %(percent)s%% "
            "of the %(fee)s CNY repair fee = %(total)s CNY.",
            "Resolved %(hours)s hours after the technician arrived: %(blocks)d started "
            "%(block_hours)s-hour periods beyond the first %(free_hours)s hours × %(percent)s%% "
            "of the %(fee)s CNY repair fee = %(total)s CNY.",
            blocks,
        )
        % params
    )


def check_fee_in_range(fee_range: tuple[Decimal, Decimal], fee: Decimal) -> Decimal:
    """The fee rounded to 0.01 CNY if it lies within the range (ends included); else FeeError."""
    low, high = (_money(value) for value in fee_range)
    if low > high:
        raise FeeError(gettext("This fee range is not valid."), code="invalid_range")
    chosen = _money(fee)
    if not low <= chosen <= high:
        raise FeeError(
            gettext("The fee must be between %(low)s and %(high)s CNY.")
            % {"low": low, "high": high},
            code="fee_out_of_range",
            extra={"low": str(low), "high": str(high), "fee": str(chosen)},
        )
    return chosen


# --- helpers ----------------------------------------------------------------------------------


def _check_tier_zone(tier: str, zone: str) -> None:
    if tier not in TIERS:
        raise FeeError(
            gettext("Unknown service tier: %(tier)s.") % {"tier": tier},
            code="unknown_tier",
            extra={"tier": tier},
        )
    _check_zone(zone)


def _check_zone(zone: str) -> None:
    if zone not in ZONES:
        raise FeeError(
            gettext("Unknown service zone: %(zone)s.") % {"zone": zone},
            code="unknown_zone",
            extra={"zone": zone},
        )


def _check_kind_units(kind: str, units: int) -> None:
    if kind not in REPAIR_KINDS:
        raise FeeError(
            gettext("Unknown kind of repair: %(kind)s.") % {"kind": kind},
            code="unknown_kind",
            extra={"kind": kind},
        )
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise FeeError(gettext("A repair covers at least one unit."), code="invalid_units")


def _distance(value: Decimal) -> Decimal:
    km = to_decimal(value, error=FeeError)
    if km < 0:
        raise FeeError(gettext("A distance must not be negative."), code="negative_distance")
    return km


def _hours(value: Decimal) -> Decimal:
    hours = to_decimal(value, error=FeeError)
    if hours < 0:
        raise FeeError(gettext("A duration must not be negative."), code="negative_duration")
    return hours


def _money(value: Decimal) -> Decimal:
    amount = to_decimal(value, error=FeeError)
    # Checked before rounding so that -0.001 is refused rather than turned into 0.00.
    if amount < 0:
        raise FeeError(gettext("A fee must not be negative."), code="negative_fee")
    return cny(amount)


def _started(value: Decimal) -> int:
    """Whole units, counting a started one as whole (4.5 km → 5)."""
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _table_text(table: FeeRange) -> str:
    if table.low == table.high:
        return plain_number(table.low)
    return f"{plain_number(table.low)}–{plain_number(table.high)}"


def _range_text(fee_range: FeeRange) -> str:
    if fee_range.low == fee_range.high:
        return gettext("%(amount)s CNY") % {"amount": fee_range.low}
    return gettext("%(low)s–%(high)s CNY") % {"low": fee_range.low, "high": fee_range.high}


def _labels(tier: str, zone: str) -> dict[str, str]:
    return {"tier": gettext(TIER_LABELS[tier]), "zone": gettext(ZONE_LABELS[zone])}
