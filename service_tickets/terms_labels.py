"""What each service-terms key means, in the reader's language: labels, units, readable values.

`terms.py` speaks in keys (`rapid.response_hours.base`) because forms and snapshots need a flat
vocabulary; people read "快速保障服务 · 基本区域上门时限（小时）" and "4 小时". The console's terms
form, the contract desk and the contract text all take their words from here.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .terms import FIELD_KINDS, TIER_LABELS, TIERS, ZONE_LABELS, ZONES

GLOBAL_LABELS = {
    "taxi.flag_fall": _("Taxi: fare for the first kilometres (CNY)"),
    "taxi.flag_fall_km": _("Taxi: kilometres covered by that fare"),
    "taxi.per_km": _("Taxi: each further km or part of one (CNY)"),
    "outside_service_fee": _("Service fee on trips outside the base zone (CNY)"),
    "repair.hardware.base.min": _("Hardware repair, base zone, per block: from (CNY)"),
    "repair.hardware.base.max": _("Hardware repair, base zone, per block: up to (CNY)"),
    "repair.hardware.outside.min": _("Hardware repair, outside, per block: from (CNY)"),
    "repair.hardware.outside.max": _("Hardware repair, outside, per block: up to (CNY)"),
    "repair.hardware.units_per_block": _("Units one hardware block covers"),
    "repair.software.base.min": _("Software repair, base zone, per unit: from (CNY)"),
    "repair.software.base.max": _("Software repair, base zone, per unit: up to (CNY)"),
    "repair.software.outside.min": _("Software repair, outside, per unit: from (CNY)"),
    "repair.software.outside.max": _("Software repair, outside, per unit: up to (CNY)"),
    "overtime.free_hours": _("Hours after arrival without surcharge"),
    "overtime.block_hours": _("Surcharge for each further started period of (hours)"),
    "overtime.rate": _("Surcharge per period, share of the repair fee (0.5 = 50 %)"),
}
SETTING_LABELS = {
    "response_hours": _("Response target in %(zone)s (hours; empty: none)"),
    "long_rental.days": _("Long rentals: from this many days (empty: never)"),
    "long_rental.response_hours": _("Long rentals: response target in %(zone)s (hours)"),
    "long_rental.cutoff": _("Long rentals: calls from this time are due at it the next day"),
    "delivery": _("Delivery and pickup in %(zone)s"),
    "delivery.free_km": _("Free delivery radius (km)"),
    "delivery.per_km_beyond": _("Beyond the radius, per km or part (CNY)"),
    "repair_included.hardware": _("Zones where on-site hardware repair is included"),
    "repair_included.software": _("Zones where on-site software repair is included"),
    "repair_transport": _("Zones where on-site repair adds transport"),
}
MODE_LABELS = {
    "free": _("free"),
    "taxi": _("taxi fare"),
    "taxi_plus_service_fee": _("taxi fare + service fee"),
    "free_within_radius": _("free within the radius, then per km"),
}


def _zone_label(template, zone: str) -> str:
    return str(template) % {"zone": gettext(ZONE_LABELS[zone])}


_lazy_zone_label = lazy(_zone_label, str)


def term_label(key: str):
    """A translated label for a terms key: "Rapid service · Response target in base zone …"."""
    if key in GLOBAL_LABELS:
        return GLOBAL_LABELS[key]
    tier, rest = key.split(".", 1)
    head, _dot, zone = rest.rpartition(".")
    if zone in ZONES and head in SETTING_LABELS:
        return format_lazy(
            "{} · {}", _(TIER_LABELS[tier]), _lazy_zone_label(SETTING_LABELS[head], zone)
        )
    return format_lazy("{} · {}", _(TIER_LABELS[tier]), SETTING_LABELS[rest])


def term_group(key: str) -> str:
    """The tier a key belongs to ("rapid"), or "" for the settings every tier shares."""
    first = key.split(".", 1)[0]
    return first if first in TIERS else ""


def term_group_label(group: str) -> str:
    return gettext(TIER_LABELS[group]) if group else gettext("Fees and prices for every tier")


def term_value_text(key: str, value: Any) -> str:
    """A setting's value as a reader wants it: "4 小时", "¥50.00", "无", "岛内、集美"."""
    kind = FIELD_KINDS[key]
    if value in (None, "", []):
        return gettext("none") if kind != "zones" else gettext("no zone")
    if kind == "money":
        return f"¥{Decimal(str(value)):,.2f}"
    if kind == "km":
        return gettext("%(km)s km") % {"km": _plain(value)}
    if kind in ("hours", "hours_or_null"):
        n = int(value)
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    if kind == "days_or_null":
        n = int(value)
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    if kind == "rate":
        return f"{Decimal(str(value)) * 100:.0f} %"
    if kind == "clock_or_null":
        return value.strftime("%H:%M") if isinstance(value, time) else str(value)
    if kind == "delivery_mode":
        return str(MODE_LABELS.get(value, value))
    if kind == "zones":
        return gettext(", ").join(gettext(ZONE_LABELS[z]) for z in value if z in ZONE_LABELS)
    return str(value)


def _plain(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number:f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:f}"


def term_choices(*, tier: str, values: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a select, grouped by tier: the contract's tier first, then the shared fees;
    each option reads "label — now: value" with the value from `values` (a terms dict)."""
    groups = []
    for group in (tier, ""):
        keys = [k for k in FIELD_KINDS if k != "version" and term_group(k) == group]
        options = [
            (
                key,
                gettext("%(label)s — now: %(value)s")
                % {"label": term_label(key), "value": term_value_text(key, values.get(key))},
            )
            for key in keys
        ]
        groups.append((term_group_label(group), options))
    return groups


def term_rows(*, overrides: dict[str, Any], published: dict[str, Any]) -> list[dict[str, Any]]:
    """A contract's own terms as readable rows: label, the contract's value, the published one."""
    rows = []
    for key, value in overrides.items():
        if key not in FIELD_KINDS:
            continue
        rows.append(
            {
                "key": key,
                "group": term_group_label(term_group(key)),
                "label": str(term_label(key)),
                "value": term_value_text(key, value),
                "published": term_value_text(key, published.get(key)),
            }
        )
    return rows
