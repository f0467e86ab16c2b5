"""Keeping the report rollups fresh (rental/operations/rollups.py). Thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from .rollups import refresh_current, refresh_recent


@shared_task(name="operations.refresh_rollups")
def refresh_rollups() -> None:
    """Every five minutes: the current month of every report rollup."""
    refresh_current()


@shared_task(name="operations.refresh_rollups_recent")
def refresh_rollups_recent() -> None:
    """Nightly: the last three months, for late returns and corrections made after the fact."""
    refresh_recent()
