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
    assert len(first_callbacks) == 2  # one delivery task per channel
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
    monkeypatch.setattr(services, "_deliver_batch_task", lambda: task)

    with pytest.raises(RuntimeError), transaction.atomic():
        _confirm(key="reservation:12:confirmed")
        raise RuntimeError("the reservation could not be confirmed")

    assert Notification.objects.count() == 0
    assert task.sent == []

    with transaction.atomic():
        rows = _confirm(key="reservation:13:confirmed")
        assert task.sent == []  # not before the commit
    assert task.sent == [([rows[0].pk],), ([rows[1].pk],)]  # one task per channel


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
    monkeypatch.setattr(services, "_deliver_batch_task", lambda: task)
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
    assert task.sent == [([row.pk],)]


def _breach(number: int, recipients, url: str = "") -> services.Notice:
    return services.Notice(
        key=f"ticket:{number}:breached",
        recipients=recipients,
        context={**CONTEXTS["ticket.breached"], "number": f"T20261122-{number:04d}", "url": url},
    )


@pytest.mark.django_db
def test_many_notices_are_one_insert_and_one_delivery_task_per_channel(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    notices = [_breach(n, [ZHANG, SMITH]) for n in range(1, 4)]

    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        created = services.notify_many(event="ticket.breached", notices=notices)

    assert created == 12
    assert len(callbacks) == 2
    rows = Notification.objects.order_by("pk")
    assert [(n.key, n.channel, n.recipient, n.language) for n in rows[:4]] == [
        ("ticket:1:breached", "email", "zhang@example.com", "zh-hans"),
        ("ticket:1:breached", "sms", "+8613800138000", "zh-hans"),
        ("ticket:1:breached", "email", "ann@example.com", "en"),
        ("ticket:1:breached", "sms", "+8613900001111", "en"),
    ]
    bodies = {(n.key, n.recipient): n for n in rows}
    zh = bodies["ticket:3:breached", "zhang@example.com"]
    en = bodies["ticket:3:breached", "ann@example.com"]
    assert zh.subject == "服务单T20261122-0003已超过上门时限"
    assert zh.body.startswith("张伟，您好：\n\n服务单T20261122-0003")
    assert en.subject == "Service ticket T20261122-0003 missed its on-site deadline"
    assert en.body.startswith("Dear Ann Smith,\n\nService ticket T20261122-0003 missed")
    assert bodies["ticket:2:breached", "+8613900001111"].body == (
        "[Xinsisuo Rental] Service ticket T20261122-0002 missed its on-site deadline 11-22 16:00; "
        "it is being handled with priority."
    )
    assert zh.params == {"number": "T20261122-0003", "deadline": "2026-11-22 16:00", "url": ""}


@pytest.mark.django_db
def test_many_notices_skip_what_is_recorded_and_enqueue_only_the_new_rows(
    monkeypatch, django_capture_on_commit_callbacks
):
    task = _RecordingTask()
    monkeypatch.setattr(services, "_deliver_batch_task", lambda: task)
    email_only = Recipient(name="张伟", email="zhang@example.com")
    services.notify_many(event="ticket.breached", notices=[_breach(1, [email_only])])
    [first] = Notification.objects.all()

    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify_many(
            event="ticket.breached",
            notices=[_breach(1, [email_only, ZHANG]), _breach(2, [email_only, email_only])],
        )

    assert created == 2
    rows = {(n.key, n.channel): n.pk for n in Notification.objects.exclude(pk=first.pk)}
    assert set(rows) == {("ticket:1:breached", "sms"), ("ticket:2:breached", "email")}
    assert task.sent == [  # a task per channel, the channel of the first new row first
        ([rows["ticket:1:breached", "sms"]],),
        ([rows["ticket:2:breached", "email"]],),
    ]


@pytest.mark.django_db
def test_recipients_of_one_context_get_their_own_names_in_one_shared_render(monkeypatch):
    renders = []
    template = services._template

    class Counting:
        def __init__(self, part):
            self.part, self.template = part, template("ticket.breached", part)

        def render(self, context):
            renders.append(self.part)
            return self.template.render(context)

    def counting(event, part):
        return Counting(part)

    monkeypatch.setattr(services, "_template", counting)
    staff = [
        Recipient(name=name, email=f"s{n}@example.com")
        for n, name in enumerate(["王  芳", "李雷", " Han Meimei "])
    ]

    services.notify_many(event="ticket.breached", notices=[_breach(9, staff)])

    bodies = [n.body for n in Notification.objects.order_by("pk")]
    # Rendered once (with a stand-in for the name), yet exactly as rendered for each recipient.
    assert renders == ["subject", "email"]
    assert bodies == [_rendered_alone("ticket.breached", _breach(9, [r]).context, r) for r in staff]
    assert [body.splitlines()[0] for body in bodies] == [
        "王  芳，您好：",
        "李雷，您好：",
        "Han Meimei ，您好：",
    ]


def _rendered_alone(event, context, recipient) -> str:
    from django.template import Context
    from django.utils import translation

    with translation.override("zh-hans"):
        template = services._template(event, "email")
        return services._paragraphs(template.render(Context({**context, "recipient": recipient})))


@pytest.mark.django_db
def test_a_template_that_uses_more_than_the_name_is_rendered_for_each_recipient(monkeypatch):
    from django.template import Engine

    engine = Engine()
    parts = {
        "subject": engine.from_string("{{ number }} for {{ recipient.name|upper }}"),
        "email": engine.from_string("{{ recipient.name }} <{{ recipient.email }}>"),
        "sms": engine.from_string("{% if recipient.name == 'Li' %}Hi Li{% else %}Hi{% endif %}"),
    }
    monkeypatch.setattr(services, "_template", lambda event, part: parts[part])
    people = [
        Recipient(name="Li", email="li@example.com", phone="13800138000"),
        Recipient(name="Wu", email="wu@example.com", phone="13912345678"),
    ]

    services.notify_many(
        event="ticket.breached",
        notices=[services.Notice(key="k", recipients=people, context={"number": "T1"})],
    )

    rows = [(n.subject, n.body) for n in Notification.objects.order_by("pk")]
    assert rows == [
        ("T1 for LI", "Li <li@example.com>\n"),
        ("", "Hi Li"),
        ("T1 for WU", "Wu <wu@example.com>\n"),
        ("", "Hi"),
    ]
