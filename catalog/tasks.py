"""Catalog tasks: keeping the utilisation rollup fresh. Thin and idempotent (upserts)."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from rental.core.timeutil import local

from .reports import unit_months_refresh


def _months_back(today: date, count: int) -> list[date]:
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


@shared_task(name="catalog.refresh_unit_months")
def refresh_unit_months() -> int:
    """The current month (and, in the first days of a month, the one before: late releases)."""
    today = local(timezone.now()).date()
    return unit_months_refresh(months=_months_back(today, 2 if today.day <= 3 else 1))


@shared_task(name="catalog.refresh_unit_months_recent")
def refresh_unit_months_recent() -> int:
    """Nightly: the last three months, for calendar corrections made after the fact."""
    return unit_months_refresh(months=_months_back(local(timezone.now()).date(), 3))
