import pytest
from django.db import transaction

from rental.notifications import services
from rental.notifications.models import Notification
from rental.notifications.services import Recipient, notify
from tests.factories import UserFactory

from .samples import CONTEXTS, at

ZHANG = Recipient(name="张伟", email="zhang@example.com", phone="13800138000")
SMITH = Recipient(
    name="Ann Smith", email="ann@example.com", phone="+86 139 0000 1111", language="en"
)


def _confirm(key="reservation:12:confirmed", recipients=(ZHANG,)):
    return notify(
        event="reservation.confirmed",
        key=key,
        recipients=list(recipients),
        context=CONTEXTS["reservation.confirmed"],
    )


@pytest.mark.django_db
def test_notifying_twice_with_one_key_records_and_enqueues_each_message_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = _confirm()
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = _confirm()

    assert [(n.channel, n.recipient) for n in first] == [
        ("email", "zhang@example.com"),
        ("sms", "+8613800138000"),
    ]
    assert [n.pk for n in second] == [n.pk for n in first]
    assert Notification.objects.count() == 2
    assert len(first_callbacks) == 2
    assert second_callbacks == []


@pytest.mark.django_db
def test_each_recipient_reads_the_message_in_their_own_language():
    _confirm(recipients=[ZHANG, SMITH])

    rows = {(n.recipient, n.channel): n for n in Notification.objects.all()}
    zh_mail = rows["zhang@example.com", "email"]
    en_mail = rows["ann@example.com", "email"]
    zh_sms = rows["+8613800138000", "sms"]
    en_sms = rows["+8613900001111", "sms"]
    assert zh_mail.language == "zh-hans"
    assert zh_mail.subject == "预订R20261122-0012已确认"
    assert zh_mail.body.startswith("张伟，您好：\n\n您的预订R20261122-0012已确认，")
    assert "- Lenovo ThinkPad T14 × 3\n- Epson CB-X50 × 1\n" in zh_mail.body
    assert "租期：2026-11-24 09:00至2026-11-30 18:00" in zh_mail.body
    assert "\n详情：https://rent.example.com/r/12/\n" in zh_mail.body
    assert "请在2026-11-23 10:00前预约看货" in zh_mail.body
    assert en_mail.language == "en"
    assert en_mail.subject == "Reservation R20261122-0012 is confirmed"
    assert en_mail.body.startswith(
        "Dear Ann Smith,\n\nYour reservation R20261122-0012 is confirmed."
    )
    assert "Rental period: 2026-11-24 09:00 to 2026-11-30 18:00" in en_mail.body
    assert zh_sms.subject == ""
    assert zh_sms.body == (
        "【新思索租赁】预订R20261122-0012已确认（11-24 09:00至11-30 18:00），"
        "请于11-23 10:00前约看货。"
    )
    assert en_sms.body == (
        "[Xinsisuo Rental] Reservation R20261122-0012 is confirmed (11-24 09:00 to 11-30 18:00). "
        "Please book your inspection before 11-23 10:00."
    )


@pytest.mark.django_db
def test_the_rows_keep_the_event_and_its_plain_parameters_in_local_time():
    [mail, _sms] = _confirm()

    assert mail.event == "reservation.confirmed"
    assert mail.key == "reservation:12:confirmed"
    assert mail.status == Notification.Status.PENDING
    assert (mail.attempts, mail.sent_at, mail.last_error) == (0, None, "")
    assert mail.params == {
        "number": "R20261122-0012",
        "start": "2026-11-24 09:00",
        "end": "2026-11-30 18:00",
        "inspection_deadline": "2026-11-23 10:00",
        "url": "https://rent.example.com/r/12/",
    }


@pytest.mark.django_db
def test_one_phone_written_two_ways_is_one_address_and_gets_one_message():
    notify(
        event="ticket.breached",
        key="ticket:5:breached",
        recipients=[
            Recipient(name="王技术", phone="138 0013 8000"),
            Recipient(name="王技术", phone="+86-138-0013-8000"),
        ],
        context=CONTEXTS["ticket.breached"],
    )

    assert list(Notification.objects.values_list("channel", "recipient")) == [
        ("sms", "+8613800138000")
    ]


@pytest.mark.django_db
def test_a_recipient_gets_only_the_channels_they_have_and_bad_addresses_are_skipped():
    notify(
        event="contract.overdue",
        key="contract:9:overdue:2026-11-22",
        recipients=[
            Recipient(name="Email only", email=" Boss@Example.COM "),
            Recipient(name="Phone only", phone="13912345678"),
            Recipient(name="Bad phone", phone="12345", email="not-an-address"),
            Recipient(name="Nothing"),
        ],
        context=CONTEXTS["contract.overdue"],
    )

    assert sorted(Notification.objects.values_list("channel", "recipient")) == [
        ("email", "boss@example.com"),
        ("sms", "+8613912345678"),
    ]


@pytest.mark.django_db
def test_another_key_for_the_same_recipient_is_another_event():
    _confirm(key="contract:9:overdue:2026-11-22")
    _confirm(key="contract:9:overdue:2026-11-23")

    assert Notification.objects.filter(recipient="zhang@example.com").count() == 2


@pytest.mark.django_db
def test_a_user_recipient_brings_their_addresses_language_and_link():
    user = UserFactory(
        first_name="Ann", last_name="Smith", phone="13900001111", preferred_language="en"
    )

    notifications = notify(
        event="ticket.at_risk",
        key="ticket:5:at_risk",
        recipients=[Recipient.for_user(user)],
        context=CONTEXTS["ticket.at_risk"],
    )

    assert [(n.channel, n.recipient, n.user, n.language) for n in notifications] == [
        ("email", user.email, user, "en"),
        ("sms", "+8613900001111", user, "en"),
    ]
    assert notifications[0].body.startswith("Dear Ann Smith,")


@pytest.mark.django_db
def test_an_unknown_language_falls_back_to_chinese():
    [mail] = notify(
        event="reservation.expired",
        key="reservation:12:expired",
        recipients=[Recipient(name="Jean", email="jean@example.com", language="fr")],
        context=CONTEXTS["reservation.expired"],
    )

    assert mail.language == "zh-hans"
    assert mail.subject == "预订R20261122-0012已过期"


class _RecordingTask:
    def __init__(self):
        self.sent = []

    def apply_async(self, args=(), kwargs=None):
        self.sent.append(args)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_caller_leaves_no_row_and_enqueues_nothing(monkeypatch):
    task = _RecordingTask()
    monkeypatch.setattr(services, "_deliver_task", lambda: task)

    with pytest.raises(RuntimeError), transaction.atomic():
        _confirm(key="reservation:12:confirmed")
        raise RuntimeError("the reservation could not be confirmed")

    assert Notification.objects.count() == 0
    assert task.sent == []

    with transaction.atomic():
        rows = _confirm(key="reservation:13:confirmed")
        assert task.sent == []  # not before the commit
    assert task.sent == [(rows[0].pk,), (rows[1].pk,)]


@pytest.mark.django_db
def test_a_lazy_translation_in_the_context_follows_each_recipient():
    from django.utils.translation import gettext_lazy

    notify(
        event="reservation.cancelled",
        key="reservation:12:cancelled",
        recipients=[ZHANG, SMITH],
        context={"number": "R1", "reason": gettext_lazy("Notifications")},
    )

    bodies = dict(Notification.objects.filter(channel="email").values_list("recipient", "body"))
    assert "原因：通知" in bodies["zhang@example.com"]
    assert "Reason: Notifications" in bodies["ann@example.com"]


def test_times_are_rendered_in_xiamen_time_whatever_zone_they_come_in():
    from datetime import UTC

    assert services._plain_params({"at": at(24, 9).astimezone(UTC)}) == {"at": "2026-11-24 09:00"}


@pytest.mark.django_db(transaction=True)
def test_two_transactions_racing_on_one_key_record_and_enqueue_it_once(monkeypatch):
    import threading
    import time

    from django.db import connection

    task = _RecordingTask()
    monkeypatch.setattr(services, "_deliver_task", lambda: task)
    start = threading.Barrier(2, timeout=10)
    errors = []

    def confirm():
        try:
            start.wait()
            with transaction.atomic():
                _confirm(recipients=[Recipient(name="张伟", email="zhang@example.com")])
                time.sleep(0.3)  # hold the uncommitted row while the other thread inserts
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    [row] = Notification.objects.all()
    assert task.sent == [(row.pk,)]
