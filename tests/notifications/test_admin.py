import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from rental.core.models import AuditEvent
from rental.notifications.models import Notification
from rental.notifications.services import Recipient, notify
from tests.factories import StaffFactory

from .samples import CONTEXTS

CHANGELIST = reverse("admin:notifications_notification_changelist")


def _notifications(count: int = 2) -> list[Notification]:
    rows = []
    for n in range(count):
        rows += notify(
            event="contract.overdue",
            key=f"contract:{n}:overdue:2026-11-22",
            recipients=[Recipient(name="张伟", email="zhang@example.com")],
            context=CONTEXTS["contract.overdue"],
        )
    return rows


def _staff_client(client, *permissions: str):
    staff = StaffFactory(groups=[])  # only the permissions given below
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label="notifications", codename__in=permissions)
    )
    client.force_login(staff)
    return client, staff


def _fail(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.FAILED, attempts=6, last_error="ConnectionError: down"
    )


@pytest.mark.django_db
def test_staff_see_the_notifications_filtered_but_cannot_edit_them(client):
    failed, sent = _notifications()
    _fail(failed)
    client, _staff = _staff_client(client, "view_notification")

    listing = client.get(CHANGELIST, {"status__exact": "failed", "channel__exact": "email"})
    detail = client.get(reverse("admin:notifications_notification_change", args=[sent.pk]))
    edit = client.post(
        reverse("admin:notifications_notification_change", args=[sent.pk]), {"status": "sent"}
    )

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [failed]
    assert detail.status_code == 200
    assert edit.status_code == 403
    assert listing.context["action_form"] is None  # no retry without the change permission
    sent.refresh_from_db()
    assert sent.status == Notification.Status.PENDING
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


@pytest.mark.django_db
def test_the_retry_action_sends_failed_notifications_again(
    client, django_capture_on_commit_callbacks
):
    failed, pending = _notifications()
    _fail(failed)
    client, staff = _staff_client(client, "view_notification", "change_notification")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            CHANGELIST,
            {"action": "retry_failed", "_selected_action": [failed.pk, pending.pk]},
            follow=True,
        )

    failed.refresh_from_db()
    assert failed.status == Notification.Status.PENDING
    assert failed.attempts == 6  # the history stays
    assert len(callbacks) == 1
    assert [str(m) for m in response.context["messages"]] == [
        "1条通知将重新发送。",
        "所选通知中有1条并非发送失败，未作处理。",
    ]
    event = AuditEvent.objects.get(action="notifications.notification.retried")
    assert (event.actor, event.object_id) == (staff, str(failed.pk))
