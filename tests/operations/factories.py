"""Staff of each group, and the facts the reports read, made at the times a test needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from catalog.models import CalendarEntry, RepairPeriod
from catalog.selectors import blocked_range
from tests.factories import StaffFactory


def staff_in(group: str, **kwargs):
    return StaffFactory(groups=[group], **kwargs)


def calendar_entry(
    asset, kind: str, start: datetime, end: datetime, released: datetime | None = None
):
    entry = CalendarEntry.objects.create(
        asset=asset,
        kind=kind,
        starts_at=start,
        ends_at=end,
        blocked=blocked_range(start, end, timedelta(0)),
        is_active=released is None,
        released_at=released,
    )
    return entry


def repair(asset, start: datetime, end: datetime | None):
    return RepairPeriod.objects.create(asset=asset, started_at=start, ended_at=end)
