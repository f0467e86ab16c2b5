"""Webhook delivery tasks: thin, idempotent, keyed by the delivery's id."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name=services.DELIVER_TASK)
def webhook_deliver(delivery_id: int) -> None:
    """Try one delivery if it is due; a duplicate or early message finds nothing to claim."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliver_due")
def webhooks_deliver_due() -> int:
    """Every minute: queue retries that are due and deliveries whose worker died."""
    return services.deliveries_enqueue_due()
