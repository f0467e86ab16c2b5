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
