"""Delivery through a real Celery worker process, on the test database."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rental.notifications import tasks
from rental.notifications.models import Notification
from rental.notifications.services import Recipient, notify
from tests.conftest import wait_for

from . import flaky
from .samples import CONTEXTS

pytestmark = pytest.mark.celery_worker

ZHANG = Recipient(name="张伟", email="zhang@example.com")


def _sent(key: str):
    return lambda: Notification.objects.filter(key=key, status=Notification.Status.SENT).first()


def test_an_email_lands_once_however_often_the_event_is_notified(notification_worker):
    context = CONTEXTS["reservation.confirmed"]
    notify(
        event="reservation.confirmed",
        key="reservation:12:confirmed",
        recipients=[ZHANG],
        context=context,
    )

    notification = wait_for(_sent("reservation:12:confirmed"), message="the e-mail was not sent")
    notify(
        event="reservation.confirmed",
        key="reservation:12:confirmed",
        recipients=[ZHANG],
        context=context,
    )
    tasks.notification_deliver.delay(notification.pk)  # a duplicate task, as after a lost worker
    wait_for(lambda: notification_worker.deliveries_finished() == 2)

    [message] = notification_worker.mails()
    assert message["To"] == "zhang@example.com"
    assert message["Subject"] == "预订R20261122-0012已确认"
    assert message["Message-ID"] == notification.provider_message_id
    assert message.get_content().startswith("张伟，您好：\n\n您的预订R20261122-0012已确认，")
    assert Notification.objects.count() == 1
    assert notification.attempts == 1


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(notification_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(
            event="reservation.cancelled",
            key="reservation:12:cancelled",
            recipients=[ZHANG],
            context=CONTEXTS["reservation.cancelled"],
        )
        raise RuntimeError("the cancellation failed")
    notify(
        event="reservation.cancelled",
        key="reservation:13:cancelled",
        recipients=[ZHANG],
        context={**CONTEXTS["reservation.cancelled"], "number": "R20261122-0013"},
    )

    wait_for(_sent("reservation:13:cancelled"))
    wait_for(lambda: notification_worker.mails())

    assert not Notification.objects.filter(key="reservation:12:cancelled").exists()
    assert [m["Subject"] for m in notification_worker.mails()] == ["预订R20261122-0013已取消"]
    assert notification_worker.deliveries_finished() == 1


def test_a_flaky_sms_provider_is_retried_and_the_message_sent_exactly_once(notification_worker):
    (notification_worker.sms_dir / "fail_first").write_text("2")

    notify(
        event="ticket.breached",
        key="ticket:5:breached",
        recipients=[Recipient(name="Li Lei", phone="13800138000", language="en")],
        context=CONTEXTS["ticket.breached"],
    )

    notification = wait_for(
        _sent("ticket:5:breached"), timeout=60, message="the SMS was not sent after its retries"
    )
    time.sleep(1.5)  # room for a stray extra delivery to show itself

    assert notification.attempts == 3
    assert notification.last_error == "ConnectionError: provider unreachable (attempt 2)"
    assert flaky.attempt_count() == 3
    assert flaky.sent_lines() == [
        "+8613800138000\tticket.breached\t[Xinsisuo Rental] Service ticket T20261122-0005 "
        "missed its on-site deadline 11-22 16:00; it is being handled with priority."
    ]
    assert notification_worker.log.read_text().count("retry: Retry in") == 2


def test_one_task_delivers_a_batch_and_each_message_lands_once(notification_worker):
    recipients = [
        Recipient(name=f"客户{n}", email=f"c{n}@example.com", phone=f"1380013800{n}")
        for n in range(3)
    ]

    notify(
        event="ticket.breached",
        key="ticket:5:breached",
        recipients=recipients,
        context=CONTEXTS["ticket.breached"],
    )

    wait_for(lambda: Notification.objects.filter(status=Notification.Status.SENT).count() == 6)
    log = notification_worker.log.read_text()
    assert log.count("notifications_deliver[") == 2 * 2  # received + succeeded, per channel
    assert sorted(m["To"] for m in notification_worker.mails()) == [
        "c0@example.com",
        "c1@example.com",
        "c2@example.com",
    ]
    assert sorted(line.split("\t")[0] for line in flaky.sent_lines()) == [
        "+8613800138000",
        "+8613800138001",
        "+8613800138002",
    ]


def test_a_message_whose_task_was_lost_is_queued_again_by_the_sweep_and_sent_once(
    notification_worker,
):
    # What a task lost between the commit and the broker leaves: the message recorded and
    # pending, an hour old, and nothing queued for it (the process died after COMMIT, before
    # its on-commit hooks reached the broker).
    with transaction.atomic():
        [lost] = notify(
            event="reservation.confirmed",
            key="reservation:14:confirmed",
            recipients=[ZHANG],
            context={**CONTEXTS["reservation.confirmed"], "number": "R20261122-0014"},
        )
        connection.run_on_commit.clear()
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    time.sleep(1)
    assert notification_worker.deliveries_finished() == 0

    tasks.requeue_stranded.delay()
    wait_for(_sent("reservation:14:confirmed"), message="the lost message was not sent")
    tasks.requeue_stranded.delay()  # the next sweep finds nothing left
    wait_for(lambda: _sweeps(notification_worker) == ["1", "0"])

    [message] = notification_worker.mails()
    assert message["Subject"] == "预订R20261122-0014已确认"
    lost.refresh_from_db()
    assert lost.attempts == 1


def _sweeps(worker) -> list[str]:
    """What each run of the sweep returned (how many it queued again), from the worker's log."""
    return re.findall(
        r"requeue_stranded\[[^]]+\] succeeded in [0-9.e-]+s: (\d+)", worker.log.read_text()
    )


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis"),
    reason="a killed worker's task comes back through the Redis broker's visibility timeout; "
    "kombu's file broker (the fallback when no broker is configured) has none, so this runs "
    "in the server run of .ci/run",
)
def test_a_worker_killed_mid_batch_neither_loses_nor_duplicates_a_message(
    restartable_notification_workers,
):
    start = restartable_notification_workers
    phones = [f"1390000111{n}" for n in range(5)]
    stall = flaky.sms_dir() / "stall_at"
    stall.write_text("3")  # the third send hangs
    doomed = start()

    notify(
        event="ticket.breached",
        key="ticket:7:breached",
        recipients=[Recipient(name=f"技术员{n}", phone=p) for n, p in enumerate(phones)],
        context=CONTEXTS["ticket.breached"],
    )
    wait_for(lambda: flaky.attempt_count() == 3, message="the batch never reached its third SMS")
    start.kill(doomed)

    # Two sent and committed; the third was being sent (not yet) and the rest never started.
    assert len(flaky.sent_lines()) == 2
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2
    stall.unlink()
    start()  # the next worker is handed the unfinished task
    wait_for(
        lambda: Notification.objects.filter(status=Notification.Status.SENT).count() == 5,
        timeout=60,
        message="the unfinished batch was not delivered by the fresh worker",
    )
    time.sleep(1.5)  # room for a stray extra delivery to show itself

    sent_to = sorted(line.split("\t")[0] for line in flaky.sent_lines())
    assert sent_to == sorted(f"+86{p}" for p in phones)
    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1, 1]
