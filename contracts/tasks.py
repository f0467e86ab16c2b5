"""Celery tasks of the rental path: thin, idempotent, safe to run twice or at once."""

from celery import shared_task

from .services import inspections_remind_due, reservations_expire_due


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
