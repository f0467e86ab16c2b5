"""A service tier's terms as plain sentences for the printed contract (租赁协议书).

DOMAIN.md ("Service tiers", "Response deadline (SLA) rules", "Fees"). Every number comes from the
`ServiceTerms` given — the published terms or a contract's snapshot with its own overrides — so a
contract that promises, say, a 2-hour response prints 2 hours. Zones that share a rule are said
in one sentence ("Outside the base zone, …"). Pure: no database, no clock; the sentences are in
the active language.

Two rules are not numbers in `ServiceTerms` and follow the tier itself: telephone support and
repair at our technical department are free in the basic, value-added and rapid tiers (basic:
except what the contract makes chargeable) and as agreed in the contractual tier.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.utils.translation import gettext, ngettext, pgettext

from rental.core.money import plain_number
from service_tickets.terms import (
    OUTSIDE_ZONES,
    TIERS,
    ZONE_LABELS,
    ZONES,
    FeeRange,
    ServiceTerms,
    TierTerms,
)


def service_terms_in_words(*, terms: ServiceTerms, tier: str) -> list[str]:
    """The tier's service terms, one plain sentence per item, in the active language.

    In order: the zones, telephone support, repair at our technical department, delivery and
    pickup, on-site hardware and software repair, transport for on-site repair, response times,
    the surcharge for a repair not resolved within 24 hours, and the rule that the contract's
    own terms prevail. Raises KeyError for an unknown tier.
    """
    if tier not in TIERS:
        raise KeyError(tier)
    rules = terms.tier(tier)
    return [
        gettext(
            "The base zone is Xiamen island (Siming and Huli districts); outside it are the "
            "Xiamen mainland districts, Zhangzhou, Quanzhou and other areas."
        ),
        *_support(tier),
        *_delivery(terms, rules),
        *_repair(terms, rules),
        *_response(tier, rules),
        _overtime(terms),
        gettext("Where this contract states other service terms, the contract prevails."),
    ]


# --- telephone support and repair at our technical department ----------------------------------


def _support(tier: str) -> list[str]:
    if tier == "contractual":
        return [
            gettext("Telephone support is provided as agreed in this contract."),
            gettext(
                "Repair at our technical department (you bring the unit to us) is provided as "
                "agreed in this contract."
            ),
        ]
    phone = gettext("Telephone support is free of charge.")
    if tier == "basic":
        return [
            phone,
            gettext(
                "Repair at our technical department (you bring the unit to us) is free of "
                "charge, except for items this contract makes chargeable."
            ),
        ]
    return [
        phone,
        gettext("Repair at our technical department (you bring the unit to us) is free of charge."),
    ]


# --- delivery and pickup ------------------------------------------------------------------------


def _delivery(terms: ServiceTerms, rules: TierTerms) -> list[str]:
    taxi = {
        "flag_fall": plain_number(terms.taxi_flag_fall),
        "flag_fall_km": plain_number(terms.taxi_flag_fall_km),
        "per_km": plain_number(terms.taxi_per_km),
    }
    sentences = []
    for zones, mode in _groups(lambda zone: rules.delivery[zone]):
        params = {"where": _where(zones)}
        if mode == "taxi":
            sentence = gettext(
                "%(where)s, each one-way delivery or pickup trip is charged at the taxi fare for "
                "the distance: %(flag_fall)s CNY for the first %(flag_fall_km)s km, then "
                "%(per_km)s CNY for each further km or part of a km."
            ) % (params | taxi)
        elif mode == "taxi_plus_service_fee":
            sentence = gettext(
                "%(where)s, each one-way delivery or pickup trip is charged at the taxi fare for "
                "the distance plus a %(fee)s CNY service fee; the taxi fare is %(flag_fall)s CNY "
                "for the first %(flag_fall_km)s km, then %(per_km)s CNY for each further km or "
                "part of a km."
            ) % (params | taxi | {"fee": plain_number(terms.outside_service_fee)})
        elif mode == "free_within_radius":
            sentence = gettext(
                "%(where)s, delivery and pickup are free within %(free_km)s km of our depot; "
                "beyond that, each one-way trip is charged %(per_km)s CNY for each km or part "
                "of a km beyond %(free_km)s km."
            ) % (
                params
                | {
                    "free_km": plain_number(rules.delivery_free_km),
                    "per_km": plain_number(rules.delivery_per_km_beyond),
                }
            )
        else:  # "free"
            sentence = gettext("%(where)s, delivery and pickup are free of charge.") % params
        sentences.append(sentence)
    return sentences


# --- on-site repair -----------------------------------------------------------------------------


def _repair(terms: ServiceTerms, rules: TierTerms) -> list[str]:
    sentences = []
    ranged = False
    for kind in ("hardware", "software"):
        included = rules.repair_included(kind)

        def price(zone: str, kind: str = kind, included: frozenset[str] = included):
            if zone in included:
                return None
            table = terms.repair_table(kind=kind, zone=zone)
            return (table.low, table.high)

        for zones, key in _groups(price):
            params = {"where": _where(zones)}
            if key is None:
                if kind == "hardware":
                    template = gettext(
                        "%(where)s, on-site hardware repair is included at no charge."
                    )
                else:
                    template = gettext(
                        "%(where)s, on-site software repair (Windows, Office, network "
                        "connection) is included at no charge."
                    )
                sentences.append(template % params)
                continue
            table = FeeRange(*key)
            ranged = ranged or table.low != table.high
            params["price"] = _price(table)
            if kind == "software":
                template = gettext(
                    "%(where)s, on-site software repair (Windows, Office, network connection) is "
                    "charged at %(price)s CNY per unit per visit."
                )
            elif terms.hardware_units_per_block == 1:
                template = gettext(
                    "%(where)s, on-site hardware repair is charged at %(price)s CNY per unit per "
                    "visit."
                )
            else:
                template = gettext(
                    "%(where)s, on-site hardware repair is charged at %(price)s CNY per visit for "
                    "every 1–%(per_block)d units."
                )
                params["per_block"] = terms.hardware_units_per_block
            sentences.append(template % params)
    if ranged:
        sentences.append(
            gettext(
                "Where a repair price is a range, the technician sets it within the range "
                "according to the work done."
            )
        )
    transport = tuple(zone for zone in ZONES if zone in rules.repair_transport)
    if transport:
        sentences.append(
            gettext(
                "%(where)s, on-site repair also carries a transport charge: the one-way taxi "
                "fare for the distance."
            )
            % {"where": _where(transport)}
        )
    return sentences


# --- response times -----------------------------------------------------------------------------


def _response(tier: str, rules: TierTerms) -> list[str]:
    long_days = rules.long_rental_days

    def targets(zone: str) -> tuple[int | None, int | None]:
        long_hours = rules.long_rental_response_hours[zone] if long_days is not None else None
        return rules.response_hours[zone], long_hours

    groups = _groups(targets)
    promised = any(hours or long_hours for _, (hours, long_hours) in groups)
    sentences = []
    if promised:
        sentences.append(
            gettext(
                "Response times count from when your call for service is recorded, around the "
                "clock, including nights, weekends and public holidays; the target is a "
                "technician on site."
            )
        )
    if any(long_hours for _, (_, long_hours) in groups):
        sentences.append(
            gettext(
                "For response times, the length of a rental counts each started 24 hours of the "
                "rental period as one day."
            )
        )

    cutoff = rules.long_rental_cutoff
    for zones, (hours, long_hours) in groups:
        params = {"where": _where(zones)}
        if long_hours:
            params |= {
                "days": _days(long_days),
                "long_hours": _hours(long_hours),
                "cutoff": cutoff.strftime("%H:%M") if cutoff else "",
            }
            if hours:
                params["hours"] = _hours(hours)
                if cutoff:
                    template = gettext(
                        "%(where)s, a technician will be on site within %(hours)s of your call "
                        "for service for a rental shorter than %(days)s, and within "
                        "%(long_hours)s for a rental of %(days)s or more, except that for such "
                        "a rental a call at or after %(cutoff)s is answered by %(cutoff)s the "
                        "next day."
                    )
                else:
                    template = gettext(
                        "%(where)s, a technician will be on site within %(hours)s of your call "
                        "for service for a rental shorter than %(days)s, and within "
                        "%(long_hours)s for a rental of %(days)s or more."
                    )
            elif cutoff:
                template = gettext(
                    "%(where)s, for a rental of %(days)s or more a technician will be on site "
                    "within %(long_hours)s of your call for service, except that a call at or "
                    "after %(cutoff)s is answered by %(cutoff)s the next day; a shorter rental "
                    "has no guaranteed response time."
                )
            else:
                template = gettext(
                    "%(where)s, for a rental of %(days)s or more a technician will be on site "
                    "within %(long_hours)s of your call for service; a shorter rental has no "
                    "guaranteed response time."
                )
        elif hours:
            params["hours"] = _hours(hours)
            template = gettext(
                "%(where)s, a technician will be on site within %(hours)s of your call for service."
            )
        elif tier == "contractual":
            template = gettext(
                "%(where)s, the on-site response time is as agreed in this contract."
            )
        elif promised:
            template = gettext("%(where)s, the on-site response time is agreed case by case.")
        else:
            template = gettext("%(where)s, no on-site response time is guaranteed.")
        sentences.append(template % params)
    return sentences


# --- resolution within 24 hours ------------------------------------------------------------------


def _overtime(terms: ServiceTerms) -> str:
    params = {
        "free_hours": _hours(terms.overtime_free_hours),
        "block_hours": _hours(terms.overtime_block_hours),
        "percent": plain_number(terms.overtime_rate * 100),
    }
    if not terms.overtime_rate:
        return (
            gettext(
                "We aim to resolve a problem within %(free_hours)s of the technician's arrival; "
                "a longer repair costs no more."
            )
            % params
        )
    return (
        gettext(
            "We aim to resolve a problem within %(free_hours)s of the technician's arrival; "
            "otherwise the repair fee is increased by %(percent)s%% for each further started "
            "%(block_hours)s, unless we waive the increase, for example when the delay was ours."
        )
        % params
    )


# --- helpers ----------------------------------------------------------------------------------


def _groups(key: Callable[[str], Hashable]) -> list[tuple[tuple[str, ...], Hashable]]:
    """Zones sharing one value of `key`, in zone order of each value's first zone."""
    grouped: dict[Hashable, list[str]] = {}
    for zone in ZONES:
        grouped.setdefault(key(zone), []).append(zone)
    return [(tuple(zones), value) for value, zones in grouped.items()]


def _where(zones: tuple[str, ...]) -> str:
    """The start of a sentence naming these zones: "In the base zone", "Outside the base zone"."""
    if set(zones) == set(ZONES):
        return gettext("In all areas")
    if zones == ("base",):
        return gettext("In the base zone")
    if set(zones) == set(OUTSIDE_ZONES):
        return gettext("Outside the base zone")
    names = [gettext("the base zone") if z == "base" else gettext(ZONE_LABELS[z]) for z in zones]
    return gettext("In %(zones)s") % {"zones": _join(names)}


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return gettext("%(items)s and %(last)s") % {
        "items": pgettext("list separator", ", ").join(items[:-1]),
        "last": items[-1],
    }


def _hours(count: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _price(table: FeeRange) -> str:
    if table.low == table.high:
        return plain_number(table.low)
    return f"{plain_number(table.low)}–{plain_number(table.high)}"
