"""Pending messages whose delivery task was lost are queued again by beat's sweep
(`notifications_requeue_stranded`), once per wait, and never while a delivery is under way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rental.notifications import tasks
from rental.notifications.models import Notification
from rental.notifications.services import (
    Recipient,
    notifications_requeue_stranded,
    notify,
    stranded_after,
)

from .samples import CONTEXTS

pytestmark = pytest.mark.django_db


def _recorded(key: str, *, ago: timedelta, **fields) -> Notification:
    """A message recorded `ago` (its own task long gone, as when the broker lost it)."""
    [notification] = notify(
        event="ticket.breached",
        key=key,
        recipients=[Recipient(name="王技术", email="wang@example.com")],
        context=CONTEXTS["ticket.breached"],
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - ago, **fields
    )
    return notification


def _handled(notification: Notification):
    notification.refresh_from_db()
    return notification.handled_at


def test_a_message_left_pending_is_queued_again_once_per_wait():
    lost = _recorded("ticket:1:breached", ago=timedelta(minutes=20))
    now = timezone.now()

    assert notifications_requeue_stranded(now=now) == 1
    assert _handled(lost) == now
    # Queued: the next sweeps wait a whole period before queueing it again…
    assert notifications_requeue_stranded(now=now + timedelta(minutes=5)) == 0
    # …and queue it again if it is still pending then (the workers were down).
    assert notifications_requeue_stranded(now=now + timedelta(minutes=16)) == 1


def test_sent_failed_recent_and_recently_tried_messages_are_left_alone():
    now = timezone.now()
    _recorded(
        "ticket:1:breached",
        ago=timedelta(hours=1),
        status=Notification.Status.SENT,
        sent_at=now - timedelta(hours=1),
    )
    _recorded("ticket:2:breached", ago=timedelta(hours=1), status=Notification.Status.FAILED)
    _recorded("ticket:3:breached", ago=timedelta(minutes=5))
    # Created long ago, tried 5 minutes ago: its retry is on its way, after the back-off.
    _recorded("ticket:4:breached", ago=timedelta(hours=1), handled_at=now - timedelta(minutes=5))

    assert notifications_requeue_stranded(now=now) == 0


def test_a_delivery_marks_the_message_handled(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lost = _recorded("ticket:1:breached", ago=timedelta(hours=1))

    tasks.notification_deliver.apply(args=[lost.pk])

    lost.refresh_from_db()
    assert lost.status == Notification.Status.SENT
    assert timezone.now() - lost.handled_at < timedelta(minutes=1)
    assert notifications_requeue_stranded() == 0


def test_the_wait_is_never_shorter_than_the_longest_back_off(settings):
    settings.NOTIFICATIONS_MAX_RETRIES = 5
    settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 30
    settings.NOTIFICATIONS_STRANDED_AFTER_SECONDS = 900
    assert stranded_after() == timedelta(minutes=15)

    settings.NOTIFICATIONS_STRANDED_AFTER_SECONDS = 60
    # The fifth retry waits 480 s; a message waiting for it is not stranded.
    assert stranded_after() == timedelta(seconds=480 + 60)
