"""Report cells: each value shown the way its column's kind says, and the chart's data."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from rental.core.reports import HOURS, MINUTES, MONEY, NUMERIC, PERCENT, Table
from rental.core.timeutil import local

register = template.Library()


def total_label():
    return _("Total")


@register.filter
def cell(row: dict | None, column) -> str:
    value = (row or {}).get(column.key)
    if value is None or value == "":
        return "" if column.kind not in NUMERIC else "—"
    if isinstance(value, datetime):
        return f"{local(value):%Y-%m-%d %H:%M}"
    if column.kind == MONEY:
        return f"{value:,.2f}"
    if column.kind == PERCENT:
        return f"{value}%"
    if column.kind == HOURS:
        return f"{value:,.1f}"
    if column.kind == MINUTES:
        return str(value)
    return str(value)


@register.filter
def is_numeric(column) -> bool:
    return column.kind in NUMERIC


@register.simple_tag
def chart_data(table: Table) -> str:
    """The chart as JSON for the data-chart attribute (reports.js draws it)."""
    # Per unit and top customers chart their first 20 rows; the table has them all.
    rows = table.rows[:20] if table.key in ("per_unit", "top") else table.rows
    columns = {c.key: c for c in table.columns}

    def number(value):
        if value is None:
            return None
        return float(value) if isinstance(value, Decimal) else value

    return json.dumps(
        {
            "kind": table.chart_kind,
            "x": [str(r.get(table.chart_x, "")) for r in rows],
            "series": [
                {
                    "name": str(columns[key].label),
                    "unit": columns[key].kind,
                    "data": [number(r.get(key)) for r in rows],
                }
                for key in table.chart_series
            ],
        },
        ensure_ascii=False,
    )


@register.filter
def get_item(mapping: dict, key: str):
    return (mapping or {}).get(key)
