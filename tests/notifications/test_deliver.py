import io

import pytest
from django.core import mail

from rental.notifications import backends, tasks
from rental.notifications.models import Notification
from rental.notifications.services import Recipient, notify

from . import flaky
from .samples import CONTEXTS

FLAKY = "tests.notifications.flaky.FlakySmsBackend"
REJECTING = "tests.notifications.flaky.RejectingSmsBackend"


def _notify(**recipient) -> list[Notification]:
    return notify(
        event="ticket.breached",
        key="ticket:5:breached",
        recipients=[Recipient(name="王技术", **recipient)],
        context=CONTEXTS["ticket.breached"],
    )


@pytest.mark.django_db
def test_delivering_an_email_sends_it_once_and_marks_it_sent():
    [notification] = _notify(email="wang@example.com")

    tasks.notification_deliver.apply(args=[notification.pk])
    tasks.notification_deliver.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.provider_message_id.startswith("<")
    assert len(mail.outbox) == 1
    [message] = mail.outbox
    assert message.to == ["wang@example.com"]
    assert message.subject == "服务单T20261122-0005已超过上门时限"
    assert message.body == notification.body
    assert message.extra_headers["Message-ID"] == notification.provider_message_id


@pytest.mark.django_db
def test_the_console_sms_backend_prints_the_message(capsys):
    [notification] = _notify(phone="13800138000")

    tasks.notification_deliver.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.provider_message_id.startswith("console-")
    out = capsys.readouterr().out
    assert "SMS to +8613800138000 [ticket.breached" in out
    assert "【新思索租赁】服务单T20261122-0005已超过上门时限11-22 16:00，正在优先处理。" in out


def test_the_console_sms_backend_writes_to_the_stream_it_is_given():
    stream = io.StringIO()

    message_id = backends.ConsoleSmsBackend(stream=stream).send("+8613800138000", "你好")

    assert message_id.startswith("console-")
    assert "SMS to +8613800138000 [- console-" in stream.getvalue()
    assert "\n你好\n" in stream.getvalue()


def test_the_sms_backend_base_cannot_be_used_without_a_send_method():
    with pytest.raises(TypeError):
        backends.SmsBackend()


@pytest.mark.django_db
def test_a_failing_sms_is_retried_until_it_is_sent(settings, flaky_sms_dir):
    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY
    (flaky_sms_dir / "fail_first").write_text("2")
    [notification] = _notify(phone="13800138000")

    tasks.notification_deliver.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 3
    assert notification.last_error == "ConnectionError: provider unreachable (attempt 2)"
    assert notification.provider_message_id == "flaky-3"
    assert flaky.attempt_count() == 3
    assert len(flaky.sent_lines()) == 1


@pytest.mark.django_db
def test_an_sms_that_keeps_failing_is_marked_failed_after_five_retries(settings, flaky_sms_dir):
    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY
    (flaky_sms_dir / "fail_first").write_text("99")
    [notification] = _notify(phone="13800138000")

    tasks.notification_deliver.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.sent_at is None
    assert notification.attempts == 6
    assert notification.last_error == "ConnectionError: provider unreachable (attempt 6)"
    assert flaky.sent_lines() == []

    tasks.notification_deliver.apply(args=[notification.pk])  # a failed one is left alone

    assert flaky.attempt_count() == 6


@pytest.mark.django_db
def test_a_permanent_rejection_fails_at_once_without_retrying(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = REJECTING
    [notification] = _notify(phone="13800138000")

    tasks.notification_deliver.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert notification.last_error == "PermanentDeliveryError: isv.MOBILE_NUMBER_ILLEGAL"


@pytest.mark.django_db
def test_delivering_a_notification_that_no_longer_exists_does_nothing():
    tasks.notification_deliver.apply(args=[987654])

    assert mail.outbox == []


def test_retries_back_off_exponentially(settings):
    settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 30

    assert [tasks.retry_countdown(n) for n in range(5)] == [30, 60, 120, 240, 480]


def test_the_backends_come_from_settings(settings):
    settings.NOTIFICATIONS_SMS_BACKEND = REJECTING

    assert isinstance(backends.sms_backend(), flaky.RejectingSmsBackend)
    assert isinstance(backends.email_backend(), backends.EmailBackend)


def test_the_default_sms_backend_is_the_console(settings):
    del settings.NOTIFICATIONS_SMS_BACKEND

    assert isinstance(backends.sms_backend(), backends.ConsoleSmsBackend)


@pytest.mark.django_db
def test_a_batch_task_sends_each_once_and_retries_only_the_failed_ones(settings, flaky_sms_dir):
    settings.NOTIFICATIONS_SMS_BACKEND = FLAKY
    (flaky_sms_dir / "fail_first").write_text("1")  # the batch's first send fails once
    sms = notify(
        event="ticket.breached",
        key="ticket:5:breached",
        recipients=[
            Recipient(name="王技术", phone="13800138000"),
            Recipient(name="李", phone="13912345678"),
        ],
        context=CONTEXTS["ticket.breached"],
    )
    ids = [n.pk for n in sms]

    tasks.notifications_deliver.apply(args=[[*ids, 987654]])  # and a row that no longer exists
    tasks.notifications_deliver.apply(args=[ids])  # a duplicate task, as after a lost worker

    rows = {n.pk: n for n in Notification.objects.all()}
    assert [(rows[pk].status, rows[pk].attempts) for pk in ids] == [("sent", 2), ("sent", 1)]
    assert rows[ids[0]].last_error == "ConnectionError: provider unreachable (attempt 1)"
    assert flaky.attempt_count() == 3
    assert [line.split("\t")[0] for line in flaky.sent_lines()] == [
        "+8613912345678",
        "+8613800138000",
    ]
