"""Delivery of recorded notifications, retried with exponential back-off."""

from __future__ import annotations

from celery import shared_task

from . import services
from .services import max_retries, retry_countdown


@shared_task(bind=True, name=services.DELIVER_TASK)
def notification_deliver(self, notification_id: int) -> None:
    """Send one notification; idempotent, so a redelivered or repeated task sends nothing twice."""
    try:
        services.notification_deliver(
            notification_id=notification_id, last_attempt=self.request.retries >= max_retries()
        )
    except services.DeliveryFailed as exc:
        raise self.retry(
            exc=exc, countdown=retry_countdown(self.request.retries), max_retries=max_retries()
        ) from exc


@shared_task(bind=True, name=services.DELIVER_BATCH_TASK)
def notifications_deliver(self, notification_ids: list[int]) -> None:
    """Send a batch of notifications of one channel, each in its own transaction; retry with
    back-off only those that failed and may succeed later. Idempotent like `notification_deliver`:
    a task redelivered after its worker was killed sends only what is still pending."""
    failed = services.notifications_deliver(
        notification_ids=notification_ids, last_attempt=self.request.retries >= max_retries()
    )
    if failed:
        raise self.retry(
            args=[failed],
            countdown=retry_countdown(self.request.retries),
            max_retries=max_retries(),
        )


@shared_task(name="notifications.requeue_stranded")
def requeue_stranded() -> int:
    return services.notifications_requeue_stranded()
