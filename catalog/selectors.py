"""Reads of the catalogue and the asset calendar.

A unit is free for a period when it is in service and no active calendar entry of it overlaps the
period widened by the turnaround buffer. Nothing is counted in advance: availability is computed
from the calendar each time, so it can never drift.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Exists, OuterRef, QuerySet

from rental.core import policy, rows
from rental.core.i18n import pick
from rental.core.timeutil import require_aware

from .models import Asset, Brand, CalendarEntry, Category, EquipmentModel

NEXT_FREE_SEARCH_LIMIT = 500


def blocked_range(starts_at: datetime, ends_at: datetime, buffer: timedelta) -> DateTimeTZRange:
    """The range a booking of [starts_at, ends_at) keeps a unit from others, buffer included."""
    require_aware(starts_at)
    require_aware(ends_at)
    return DateTimeTZRange(starts_at - buffer, ends_at + buffer, "[)")


def _buffer(buffer: timedelta | None) -> timedelta:
    return policy.current().turnaround_buffer if buffer is None else buffer


def busy_entries(window: DateTimeTZRange) -> QuerySet[CalendarEntry]:
    return CalendarEntry.objects.filter(
        asset=OuterRef("pk"), is_active=True, blocked__overlap=window
    )


def free_assets(
    *,
    model: EquipmentModel,
    starts_at: datetime,
    ends_at: datetime,
    buffer: timedelta | None = None,
) -> QuerySet[Asset]:
    """In-service units of `model` with no active entry overlapping the buffered period."""
    window = blocked_range(starts_at, ends_at, _buffer(buffer))
    return (
        Asset.objects.filter(model=model, service_status=Asset.ServiceStatus.IN_SERVICE)
        .exclude(Exists(busy_entries(window)))
        .order_by("id")
    )


def free_counts(
    *,
    starts_at: datetime,
    ends_at: datetime,
    buffer: timedelta | None = None,
    models: list[int] | None = None,
) -> dict[int, int]:
    """Free units per model id for the period, in one query; models with none free are absent."""
    window = blocked_range(starts_at, ends_at, _buffer(buffer))
    assets = Asset.objects.filter(service_status=Asset.ServiceStatus.IN_SERVICE)
    if models is not None:
        assets = assets.filter(model_id__in=models)
    rows = (
        assets.exclude(Exists(busy_entries(window)))
        .order_by()
        .values("model_id")
        .annotate(free=Count("id"))
    )
    return {row["model_id"]: row["free"] for row in rows}


class ModelChoice(NamedTuple):
    """A model as the reservation form lists it: what its <option> shows, and its category."""

    pk: int
    slug: str
    label: str  # brand and model, as str(EquipmentModel)
    day_rate: Decimal
    category_id: int
    category_zh: str
    category_en: str

    @property
    def category(self) -> str:
        return pick(self.category_zh, self.category_en)


def offered_models() -> list[ModelChoice]:
    """Every model offered, in catalogue order, categories together: the reservation form's
    choices. Only the columns the list shows, as tuples: a refused reservation shows the form
    again, and building a whole model instance per entry of the catalogue cost more than the
    query."""
    with connection.cursor() as cursor:
        cursor.execute(
            _OFFERED.format(
                model=connection.ops.quote_name(EquipmentModel._meta.db_table),
                brand=connection.ops.quote_name(Brand._meta.db_table),
                category=connection.ops.quote_name(Category._meta.db_table),
            )
        )
        return [ModelChoice(*row) for row in cursor.fetchall()]


_OFFERED = """
    SELECT m.id, m.slug, b.name || ' ' || m.name, m.day_rate, c.id, c.name_zh, c.name_en
    FROM {model} m
    JOIN {brand} b ON b.id = m.brand_id
    JOIN {category} c ON c.id = m.category_id
    WHERE m.is_active
    ORDER BY c.position, c.slug, b.name, m.name
"""


def offered_with_stock(ids) -> dict[int, EquipmentModel]:
    """The models among `ids` still offered, by id, each with its brand (for its name) and
    `units_in_service`. Written out: every reservation and live quote reads its models so."""
    found = rows.read(
        EquipmentModel,
        _OFFERED_WITH_STOCK,
        [Asset.ServiceStatus.IN_SERVICE, list(ids)],
        alias="m",
        model=EquipmentModel,
        brand=Brand,
        asset=Asset,
    )
    chosen = {}
    for model, (brand_name, units_in_service) in found:
        model.brand = Brand(pk=model.brand_id, name=brand_name)
        model.units_in_service = units_in_service
        chosen[model.pk] = model
    return chosen


_OFFERED_WITH_STOCK = """
    SELECT {columns}, b.name,
           (SELECT count(*) FROM {asset} a WHERE a.model_id = m.id AND a.service_status = %s)
    FROM {model} m JOIN {brand} b ON b.id = m.brand_id
    WHERE m.id = ANY(%s) AND m.is_active
"""


def next_free_at(
    *,
    model: EquipmentModel,
    starts_at: datetime,
    ends_at: datetime,
    quantity: int = 1,
    buffer: timedelta | None = None,
) -> datetime | None:
    """The earliest start, at or after `starts_at`, at which `quantity` units are free for a
    period as long as the one asked for. None if the model has too few units in service at all.

    A period can only become free when some booking ends, so the candidates are `starts_at` and
    the end of each booking after it (plus the buffer the new booking needs before it). One
    statement: a refused reservation asks this, and refusals come in bursts for the units in
    demand (a query per candidate cost more than the reservation itself).
    """
    buffer = _buffer(buffer)
    with connection.cursor() as cursor:
        cursor.execute(
            _NEXT_FREE.format(
                asset=connection.ops.quote_name(Asset._meta.db_table),
                entry=connection.ops.quote_name(CalendarEntry._meta.db_table),
            ),
            {
                "model": model.pk,
                "in_service": Asset.ServiceStatus.IN_SERVICE,
                "starts_at": require_aware(starts_at),
                "duration": ends_at - starts_at,
                "buffer": buffer,
                "quantity": quantity,
                "limit": NEXT_FREE_SEARCH_LIMIT,
            },
        )
        row = cursor.fetchone()
    return row[0] if row else None


# The candidates in time order; for each, the units with no active entry overlapping the candidate
# period widened by the buffer, as `free_assets` counts them. The first candidate with enough wins
# (the sort is done before the filter runs, and LIMIT 1 stops it at the first match).
_NEXT_FREE = """
    WITH unit AS (
        SELECT id FROM {asset} WHERE model_id = %(model)s AND service_status = %(in_service)s
    ), candidate AS (
        SELECT %(starts_at)s::timestamptz AS at
        WHERE (SELECT count(*) FROM unit) >= %(quantity)s
        UNION
        SELECT ends.at + %(buffer)s::interval FROM (
            SELECT DISTINCT upper(e.blocked) AS at FROM {entry} e
            WHERE e.asset_id IN (SELECT id FROM unit) AND e.is_active
              AND upper(e.blocked) > %(starts_at)s::timestamptz - %(buffer)s::interval
            ORDER BY 1
            LIMIT %(limit)s
        ) ends
        WHERE (SELECT count(*) FROM unit) >= %(quantity)s
    )
    SELECT c.at FROM candidate c
    WHERE (
        SELECT count(*) FROM unit u
        WHERE NOT EXISTS (
            SELECT 1 FROM {entry} e
            WHERE e.asset_id = u.id AND e.is_active
              AND e.blocked && tstzrange(
                  c.at - %(buffer)s::interval, c.at + %(duration)s::interval + %(buffer)s::interval,
                  '[)')
        )
    ) >= %(quantity)s
    ORDER BY c.at
    LIMIT 1
"""


def model_timeline(
    *, model: EquipmentModel, since: datetime, until: datetime
) -> list[tuple[Asset, list[CalendarEntry]]]:
    """Every unit of a model with its active entries in [since, until): the staff calendar."""
    entries: dict[int, list[CalendarEntry]] = {}
    window = DateTimeTZRange(since, until, "[)")
    for entry in CalendarEntry.objects.filter(
        asset__model=model, is_active=True, blocked__overlap=window
    ).order_by("starts_at"):
        entries.setdefault(entry.asset_id, []).append(entry)
    return [(asset, entries.get(asset.pk, [])) for asset in model.assets.order_by("asset_tag")]
