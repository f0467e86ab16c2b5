"""Delivery of recorded notifications, retried with exponential back-off."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services

DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF_SECONDS = 30


def retry_countdown(retries: int) -> float:
    """Seconds before retry number `retries + 1`: 30, 60, 120, 240, 480 by default."""
    base = getattr(settings, "NOTIFICATIONS_RETRY_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS)
    return base * 2**retries


@shared_task(bind=True, name=services.DELIVER_TASK)
def notification_deliver(self, notification_id: int) -> None:
    """Send one notification; idempotent, so a redelivered or repeated task sends nothing twice."""
    max_retries = getattr(settings, "NOTIFICATIONS_MAX_RETRIES", DEFAULT_MAX_RETRIES)
    try:
        services.notification_deliver(
            notification_id=notification_id, last_attempt=self.request.retries >= max_retries
        )
    except services.DeliveryFailed as exc:
        raise self.retry(
            exc=exc, countdown=retry_countdown(self.request.retries), max_retries=max_retries
        ) from exc


@shared_task(bind=True, name=services.DELIVER_BATCH_TASK)
def notifications_deliver(self, notification_ids: list[int]) -> None:
    """Send a batch of notifications of one channel, each in its own transaction; retry with
    back-off only those that failed and may succeed later. Idempotent like `notification_deliver`:
    a task redelivered after its worker was killed sends only what is still pending."""
    max_retries = getattr(settings, "NOTIFICATIONS_MAX_RETRIES", DEFAULT_MAX_RETRIES)
    failed = services.notifications_deliver(
        notification_ids=notification_ids, last_attempt=self.request.retries >= max_retries
    )
    if failed:
        raise self.retry(
            args=[failed], countdown=retry_countdown(self.request.retries), max_retries=max_retries
        )
