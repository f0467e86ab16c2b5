"""Enqueueing helpers and the core's own tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` to the broker once the current transaction commits (at once if there is none).

    Every task is enqueued this way, so a worker never sees a row that is not yet committed, and a
    rolled-back change never triggers a side effect.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


@shared_task(name="rental.core.tasks.heartbeat")
def heartbeat(note: str = "beat") -> int:
    """Record that the worker ran; beat schedules it, /healthz and the tests read it."""
    from .models import Heartbeat

    beat, _ = Heartbeat.objects.update_or_create(name=note, defaults={})
    return beat.pk


# A big database takes longer to dump than the default task limits allow.
@shared_task(name="rental.core.tasks.backup_nightly", time_limit=4 * 3600, soft_time_limit=3 * 3600)
def backup_nightly() -> str:
    """Take the nightly backup and keep the newest N (the house policy's `backups_kept`)."""
    from . import backups

    return str(backups.backup_create())
