"""Through real Celery workers: the SLA sweep passes 75 % and then the deadline and each
notification goes out once; a worker SIGKILLed mid-sweep loses and duplicates nothing; the fee
task charges once even when it runs twice."""

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from contracts.models import Charge
from rental.core.models import AuditEvent, Heartbeat
from rental.core.tasks import heartbeat
from rental.notifications.models import Notification
from service_tickets import tasks
from service_tickets.models import Ticket
from tests.conftest import _test_database_url, wait_for
from tests.service_tickets.factories import (
    TechnicianFactory,
    closed,
    contract_of,
    dispatched,
    dispatcher,
    open_ticket,
    shift,
)

pytestmark = pytest.mark.celery_worker


def _used(ticket: Ticket, fraction: float) -> None:
    """Move the call back so that `fraction` of the ticket's response time has passed."""
    ticket.refresh_from_db()
    window = ticket.deadline - ticket.reported_at
    shift(ticket, reported_at=timezone.now() - window * fraction)


def _drain(name: str) -> None:
    """Wait until the solo worker has run everything queued before this (the queue is FIFO)."""
    heartbeat.delay(name)
    wait_for(lambda: Heartbeat.objects.filter(name=name).exists(), message=f"no {name}")


def _rows(event: str):
    return sorted(
        Notification.objects.filter(event=event).values_list("key", "recipient", "status")
    )


def test_the_worker_marks_at_risk_then_late_and_each_notice_goes_out_once(ticket_workers):
    ticket_workers()
    dispatcher(email="desk@example.com")
    technician = TechnicianFactory(email="tech@example.com")
    ticket = dispatched(open_ticket(contract_of(tier="rapid", days=3)), technician)
    customer = ticket.customer
    _used(ticket, 0.8)

    tasks.sla_sweep.delay()
    wait_for(lambda: Ticket.objects.get(pk=ticket.pk).at_risk_at, message="not marked at risk")
    wait_for(
        lambda: Notification.objects.filter(event="ticket.at_risk", status="sent").count() == 3,
        message="at-risk notices not sent",
    )
    tasks.sla_sweep.delay()
    _drain("after-second-at-risk-sweep")

    key = f"ticket:{ticket.pk}:at_risk"
    assert _rows("ticket.at_risk") == [
        (key, "+8613800138000", "sent"),
        (key, "desk@example.com", "sent"),
        (key, "tech@example.com", "sent"),
    ]
    assert Ticket.objects.get(pk=ticket.pk).breached_at is None

    _used(ticket, 1.05)
    tasks.sla_sweep.delay()
    wait_for(lambda: Ticket.objects.get(pk=ticket.pk).breached_at, message="not marked late")
    tasks.sla_sweep.delay()
    _drain("after-second-breach-sweep")
    wait_for(
        lambda: Notification.objects.filter(event="ticket.breached", status="sent").count() == 5,
        message="late notices not sent",
    )

    key = f"ticket:{ticket.pk}:breached"
    assert _rows("ticket.breached") == sorted(
        [
            (key, "+8613800138000", "sent"),
            (key, "desk@example.com", "sent"),
            (key, "tech@example.com", "sent"),
            (key, customer.email, "sent"),
            (key, "+8613812345678", "sent"),
        ]
    )
    assert len(_rows("ticket.at_risk")) == 3
    assert AuditEvent.objects.filter(action="service_tickets.ticket.at_risk").count() == 1
    assert AuditEvent.objects.filter(action="service_tickets.ticket.breached").count() == 1


def _blocked_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            ['%INSERT INTO "notifications_notification"%'],
        )
        return [row[0] for row in cursor.fetchall()]


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_sweep_loses_nothing_and_a_fresh_worker_sends_each_notice_once(
    ticket_workers,
):
    dispatcher(email="desk@example.com")
    technician = TechnicianFactory(email="tech@example.com")
    tickets = [
        dispatched(open_ticket(contract_of(tier="rapid", days=3)), technician) for _ in range(3)
    ]
    for ticket in tickets:
        _used(ticket, 0.9)
    first = min(t.pk for t in tickets)

    # Another transaction holds the unique slot of the sweep's first notification row: the
    # worker's sweep commits the marks, then waits on that row while announcing them.
    holder = psycopg.connect(_test_database_url())
    holder.execute(
        "INSERT INTO notifications_notification (event, key, channel, recipient, language, "
        "subject, body, params, status, attempts, last_error, provider_message_id, created_at) "
        "VALUES ('ticket.at_risk', %s, 'email', 'tech@example.com', 'zh-hans', '', 'x', '{}', "
        "'pending', 0, '', '', now())",
        [f"ticket:{first}:at_risk"],
    )
    doomed = ticket_workers()
    tasks.sla_sweep.delay()
    (backend,) = wait_for(_blocked_backends, message="the sweep never reached its notifications")

    doomed.kill()
    holder.rollback()
    holder.close()
    wait_for(lambda: not _alive(backend), message="the killed worker's transaction lingers")

    # The marks were committed; their notices were not, so they wait in the outbox.
    assert Ticket.objects.filter(at_risk_at__isnull=False).count() == 3
    assert not Ticket.objects.filter(at_risk_announced_at__isnull=False).exists()
    assert not Notification.objects.exclude(event="ticket.dispatched").exists()

    ticket_workers()
    tasks.sla_sweep.delay()  # what beat sends a minute later
    wait_for(
        lambda: Ticket.objects.filter(at_risk_announced_at__isnull=False).count() == 3,
        message="the fresh worker did not announce the marks",
    )
    tasks.sla_sweep.delay()
    _drain("after-recovery-sweeps")
    wait_for(
        lambda: (
            Notification.objects.filter(status="sent").exclude(event="ticket.dispatched").count()
            == 9
        ),
        message="notices not sent",
    )

    keys = [key for key, _recipient, _status in _rows("ticket.at_risk")]
    assert sorted(keys) == sorted(f"ticket:{t.pk}:at_risk" for t in tickets for _ in range(3))
    assert AuditEvent.objects.filter(action="service_tickets.ticket.at_risk").count() == 3


def test_the_fee_task_charges_once_even_when_it_runs_twice(ticket_workers):
    ticket_workers()
    ticket = closed(open_ticket(contract_of(tier="basic")), fee=Decimal("80"))  # enqueues one

    tasks.ticket_bill.delay(ticket.pk)
    tasks.ticket_bill.delay(ticket.pk)
    _drain("after-bills")

    charge = Charge.objects.get()
    assert (charge.key, charge.amount) == (f"ticket:{ticket.pk}:fee", Decimal("80.00"))
    assert Ticket.objects.get(pk=ticket.pk).billed_amount == Decimal("80.00")
    assert AuditEvent.objects.filter(action="service_tickets.ticket.billed").count() == 1


def test_the_worker_s_sweep_bills_a_ticket_whose_billing_task_was_lost(ticket_workers):
    ticket_workers()
    # Closed in a transaction whose on-commit hooks never reached the broker (the process died
    # after COMMIT): nothing queued its billing.
    with transaction.atomic():
        ticket = closed(open_ticket(contract_of(tier="basic")), fee=Decimal("80"))
        connection.run_on_commit.clear()
    # …ten minutes ago: every time of the ticket moved back alike.
    Ticket.objects.filter(pk=ticket.pk).update(
        **{
            f.name: F(f.name) - timedelta(minutes=10)
            for f in Ticket._meta.fields
            if isinstance(f, models.DateTimeField)
        }
    )

    tasks.bill_due.delay()
    tasks.bill_due.delay()
    _drain("after-bill-sweeps")

    charge = Charge.objects.get()
    assert (charge.key, charge.amount) == (f"ticket:{ticket.pk}:fee", Decimal("80.00"))
    assert Ticket.objects.get(pk=ticket.pk).billed_amount == Decimal("80.00")
    assert AuditEvent.objects.filter(action="service_tickets.ticket.billed").count() == 1


def test_the_monthly_report_is_mailed_to_managers_once(ticket_workers):
    from tests.service_tickets.factories import manager

    ticket_workers()
    boss = manager(email="boss@example.com")
    ticket = open_ticket(contract_of(tier="rapid", days=3))
    shift(ticket, reported_at=timezone.now() - timedelta(days=40))

    tasks.sla_report_monthly.delay()
    tasks.sla_report_monthly.delay()
    _drain("after-reports")
    wait_for(lambda: Notification.objects.filter(event="ticket.sla_report", status="sent").exists())

    assert list(boss.notifications.values_list("event", flat=True)) == ["ticket.sla_report"]
