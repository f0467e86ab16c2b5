"""Reads of the catalogue and the asset calendar.

A unit is free for a period when it is in service and no active calendar entry of it overlaps the
period widened by the turnaround buffer. Nothing is counted in advance: availability is computed
from the calendar each time, so it can never drift.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Exists, OuterRef, QuerySet

from rental.core import policy
from rental.core.timeutil import require_aware

from .models import Asset, CalendarEntry, EquipmentModel

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
    the end of each booking after it (plus the buffer the new booking needs before it).
    """
    buffer = _buffer(buffer)
    duration = ends_at - starts_at
    in_service = Asset.objects.filter(model=model, service_status=Asset.ServiceStatus.IN_SERVICE)
    if in_service.count() < quantity:
        return None
    ends = (
        CalendarEntry.objects.filter(
            asset__in=in_service, is_active=True, blocked__endswith__gt=starts_at - buffer
        )
        .order_by("blocked__endswith")
        .values_list("blocked__endswith", flat=True)
        .distinct()[:NEXT_FREE_SEARCH_LIMIT]
    )
    candidates = [starts_at, *sorted({end + buffer for end in ends if end + buffer > starts_at})]
    for candidate in candidates:
        window = blocked_range(candidate, candidate + duration, buffer)
        if in_service.exclude(Exists(busy_entries(window))).count() >= quantity:
            return candidate
    return None


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
