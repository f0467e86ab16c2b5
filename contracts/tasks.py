"""Celery tasks of the rental path: thin, idempotent, safe to run twice or at once."""

from datetime import timedelta

from celery import shared_task

from .services import (
    inspections_remind_due,
    reservations_announce_due,
    reservations_expire_due,
)
from .services.reservations import ANNOUNCE_TASK


@shared_task(name=ANNOUNCE_TASK)
def announce_new_reservations() -> int:
    return reservations_announce_due(grace=timedelta(0))


@shared_task(name="contracts.announce_reservations")
def announce_reservations() -> int:
    return reservations_announce_due()


@shared_task(name="contracts.expire_reservations")
def expire_reservations() -> int:
    return reservations_expire_due()


@shared_task(name="contracts.remind_inspections")
def remind_inspections() -> int:
    return inspections_remind_due()


@shared_task(name="contracts.notify_overdue")
def notify_overdue() -> int:
    from .services.overdue import contracts_notify_overdue

    return contracts_notify_overdue()
