import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from rental.core import audit
from rental.core.models import AuditEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_service_event_records_who_what_and_which_object():
    staff = StaffFactory()

    event = audit.record(staff, "accounts.user.checked", staff, reason="demo")

    assert list(audit.trail(staff)) == [event]
    assert event.actor == staff
    assert event.object_type == "accounts.user"
    assert event.data == {"reason": "demo"}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'edited' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_edit_or_delete_audit_events(sql):
    staff = StaffFactory()
    event = audit.record(staff, "accounts.user.checked", staff)

    with (
        pytest.raises((InternalError, ProgrammingError), match="insert-only|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "accounts.user.checked"


def test_a_batch_writes_every_event_recorded_in_it_in_one_insert(django_assert_num_queries):
    staff, other = StaffFactory(), StaffFactory()

    with django_assert_num_queries(1), audit.batch() as events:
        first = audit.record(staff, "accounts.user.checked", staff, n=1)
        with audit.batch():  # a service that batches its own, called inside: joins this one
            audit.record(None, "accounts.user.checked", other, n=2)
        audit.record(staff, "accounts.user.locked", other)
        assert first.pk is None  # not written yet

    assert [e.pk for e in events] == list(
        AuditEvent.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert first.pk is not None
    assert [(e.action, e.object_id, e.actor, e.data) for e in audit.trail(other)][::-1] == [
        ("accounts.user.checked", str(other.pk), None, {"n": 2}),
        ("accounts.user.locked", str(other.pk), staff, {}),
    ]


def test_a_batch_that_fails_writes_nothing():
    staff = StaffFactory()

    with pytest.raises(RuntimeError), audit.batch():
        audit.record(staff, "accounts.user.checked", staff)
        raise RuntimeError("the service failed")
    audit.record(staff, "accounts.user.locked", staff)  # no batch left behind

    assert [e.action for e in audit.trail(staff)] == ["accounts.user.locked"]


def test_a_batch_keeps_money_times_and_chinese_as_a_single_record_does():
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    staff = StaffFactory()
    data = {
        "total": Decimal("1234.50"),
        "at": datetime(2027, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
        "note": "押金已退还",
        "entries": [3, 4],
    }
    single = audit.record(staff, "accounts.user.checked", staff, **data)
    with audit.batch() as batched:
        audit.record(staff, "accounts.user.locked", staff, **data)

    stored = {e.action: e for e in AuditEvent.objects.filter(object_id=str(staff.pk))}
    assert (
        stored["accounts.user.locked"].data
        == stored["accounts.user.checked"].data
        == {
            "total": "1234.50",
            "at": "2027-03-01T09:00:00+08:00",
            "note": "押金已退还",
            "entries": [3, 4],
        }
    )
    assert batched[0].pk == stored["accounts.user.locked"].pk
    assert batched[0].occurred_at == stored["accounts.user.locked"].occurred_at
    assert single.occurred_at <= batched[0].occurred_at
