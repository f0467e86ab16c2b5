"""The spec fields a model's JSON `specs` may hold, with their labels and units in both languages.

`EquipmentModel.specs` is free-form JSON so that a projector and a laptop need no shared columns;
this module is the one list of keys the catalogue understands, in the order the specs table shows
them. Values are shown as stored, followed by the unit; a value may also be `{"zh": …, "en": …}`
when the text itself needs translating, and booleans read as Yes/No in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rental.core.i18n import pick


@dataclass(frozen=True)
class SpecField:
    key: str
    label: Promise
    # A unit written after the value ("16 GB"); None for plain text values.
    unit: Promise | None = None
    numeric: bool = False


SPEC_FIELDS: tuple[SpecField, ...] = (
    SpecField("cpu", _("Processor")),
    SpecField("ram_gb", _("Memory"), _("GB"), numeric=True),
    SpecField("storage", _("Storage")),
    SpecField("screen_in", _("Screen size"), _("inch"), numeric=True),
    SpecField("resolution", _("Resolution")),
    SpecField("lumens", _("Brightness"), _("lumens"), numeric=True),
    SpecField("ports", _("Ports")),
    SpecField("poe", _("Power over Ethernet")),
    SpecField("speed_ppm", _("Print speed"), _("pages per minute"), numeric=True),
    SpecField("paper", _("Paper sizes")),
    SpecField("functions", _("Functions")),
    SpecField("inputs", _("Video inputs")),
)
SPEC_KEYS: frozenset[str] = frozenset(f.key for f in SPEC_FIELDS)
_BY_KEY = {f.key: f for f in SPEC_FIELDS}
_YES = {"yes", "true", "y", "1", "是", "有"}
_NO = {"no", "false", "n", "0", "否", "无"}


@dataclass(frozen=True)
class SpecRow:
    key: str
    label: str
    value: str


def spec_rows(specs: dict[str, Any] | None) -> list[SpecRow]:
    """The specs table in the active language: known keys in SPEC_FIELDS order, empty ones out.

    Unknown keys are left out rather than shown with a raw key as their label; `unknown_keys`
    lets the console warn staff about them.
    """
    specs = specs or {}
    rows = []
    for field in SPEC_FIELDS:
        value = specs.get(field.key)
        if value in (None, "", [], {}):
            continue
        rows.append(SpecRow(field.key, str(field.label), format_value(field, value)))
    return rows


def format_value(field: SpecField, value: Any) -> str:
    text = _value_text(value)
    if field.unit is not None and text and _is_number(value):
        return f"{text} {field.unit}"
    return text


def unknown_keys(specs: dict[str, Any] | None) -> list[str]:
    return sorted(set(specs or {}) - SPEC_KEYS)


def spec_help_text() -> str:
    """The keys staff may use, for the console's help text next to the JSON field."""
    return ", ".join(
        f"{f.key} ({f.label}{', ' + str(f.unit) if f.unit else ''})" for f in SPEC_FIELDS
    )


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return pick(str(value.get("zh", "")), str(value.get("en", "")))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float | Decimal):
        return number_format(value, use_l10n=False)
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value)
    text = str(value).strip()
    if text.lower() in _YES:
        return gettext("Yes")
    if text.lower() in _NO:
        return gettext("No")
    return text


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    try:
        Decimal(str(value).strip())
    except ArithmeticError:
        return False
    return True
