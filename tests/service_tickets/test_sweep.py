"""The SLA sweep in this process: marks, notifications once, batches, two sweeps at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from rental.core.models import AuditEvent
from rental.notifications.models import Notification
from service_tickets.models import Ticket
from service_tickets.services import tickets_sweep_sla
from tests.service_tickets.factories import (
    TechnicianFactory,
    contract_of,
    dispatched,
    dispatcher,
    on_site,
    open_ticket,
    shift,
)


def _at(ticket, *, used: float) -> Ticket:
    """Move the ticket's call back so that `used` of its response time has passed."""
    window = ticket.deadline - ticket.reported_at
    shift(ticket, reported_at=timezone.now() - window * used)
    ticket.refresh_from_db()
    return ticket


def _notices(ticket, mark):
    return sorted(
        Notification.objects.filter(key=f"ticket:{ticket.pk}:{mark}").values_list(
            "recipient", flat=True
        )
    )


@pytest.mark.django_db
def test_a_ticket_past_75_percent_is_marked_at_risk_and_the_technician_and_desk_are_told_once():
    desk = dispatcher(email="desk@example.com")
    technician = TechnicianFactory(email="tech@example.com")
    due = _at(dispatched(open_ticket(contract_of(tier="rapid", days=3)), technician), used=0.8)
    early = _at(dispatched(open_ticket(contract_of(tier="rapid", days=3))), used=0.7)

    first = tickets_sweep_sla()
    second = tickets_sweep_sla()

    due.refresh_from_db()
    assert (first.at_risk, first.breached, second.at_risk, second.breached) == (1, 0, 0, 0)
    assert due.at_risk_at is not None and due.breached_at is None
    assert Ticket.objects.get(pk=early.pk).at_risk_at is None
    assert _notices(due, "at_risk") == ["+8613800138000", "desk@example.com", "tech@example.com"]
    assert Notification.objects.filter(event="ticket.at_risk").count() == 3
    assert desk.notifications.filter(event="ticket.at_risk").count() == 2
    assert AuditEvent.objects.filter(action="service_tickets.ticket.at_risk").count() == 1


@pytest.mark.django_db
def test_a_ticket_past_its_deadline_is_late_and_the_customer_is_told_too():
    dispatcher(email="desk@example.com")
    ticket = open_ticket(contract_of(tier="rapid", days=3))
    _at(ticket, used=0.8)
    tickets_sweep_sla()
    _at(ticket, used=1.01)

    result = tickets_sweep_sla()
    tickets_sweep_sla()

    ticket.refresh_from_db()
    assert result.breached == 1 and result.at_risk == 0
    assert ticket.breached_at >= ticket.deadline
    customer = ticket.customer
    assert _notices(ticket, "breached") == sorted(
        ["+8613800138000", "desk@example.com", customer.email, "+8613812345678"]
    )
    assert len(_notices(ticket, "at_risk")) == 2  # desk only: no technician yet


@pytest.mark.django_db
def test_a_ticket_first_seen_past_its_deadline_gets_only_the_late_notice():
    ticket = _at(open_ticket(contract_of(tier="rapid", days=3)), used=2)
    dispatcher(email="desk@example.com")

    result = tickets_sweep_sla()

    ticket.refresh_from_db()
    assert (result.at_risk, result.breached) == (0, 1)
    assert ticket.at_risk_at == ticket.breached_at
    assert _notices(ticket, "at_risk") == []
    assert "desk@example.com" in _notices(ticket, "breached")


@pytest.mark.django_db
def test_tickets_with_a_technician_on_site_or_no_deadline_are_left_alone():
    arrived = on_site(open_ticket(contract_of(tier="rapid", days=3)))
    shift(arrived, reported_at=arrived.reported_at - timedelta(days=1))
    no_deadline = open_ticket(contract_of(tier="basic"))
    shift(no_deadline, reported_at=timezone.now() - timedelta(days=3))

    result = tickets_sweep_sla()

    assert (result.at_risk, result.breached) == (0, 0)
    assert not Ticket.objects.filter(at_risk_at__isnull=False).exists()
    # (The technician heard of the dispatch; the sweep itself says nothing.)
    assert not Notification.objects.exclude(event="ticket.dispatched").exists()


@pytest.mark.django_db
def test_the_sweep_works_in_batches_until_nothing_is_due():
    dispatcher(email="desk@example.com")
    tickets = [_at(open_ticket(contract_of(tier="rapid", days=3)), used=0.9) for _ in range(7)]

    result = tickets_sweep_sla(batch_size=3)

    assert (result.at_risk, result.batches) == (7, 3)
    assert (
        Ticket.objects.filter(pk__in=[t.pk for t in tickets], at_risk_at__isnull=True).count() == 0
    )
    assert Notification.objects.filter(event="ticket.at_risk").count() == 7 * 2


@pytest.mark.django_db
def test_the_at_risk_share_is_policy():
    from rental.core import policy

    rules = policy.current()
    rules.at_risk_fraction = "0.5"
    rules.save()

    ticket = open_ticket(contract_of(tier="rapid", days=3))

    assert ticket.at_risk_from == ticket.reported_at.replace(microsecond=0) + timedelta(hours=2)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_and_notify_each_ticket_once():
    dispatcher(email="desk@example.com")
    tickets = [_at(open_ticket(contract_of(tier="rapid", days=3)), used=0.9) for _ in range(12)]
    tickets += [_at(open_ticket(contract_of(tier="rapid", days=3)), used=1.5) for _ in range(8)]
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(tickets_sweep_sla(batch_size=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.at_risk for r in results) == 12
    assert sum(r.breached for r in results) == 8
    assert AuditEvent.objects.filter(action="service_tickets.ticket.at_risk").count() == 12
    assert AuditEvent.objects.filter(action="service_tickets.ticket.breached").count() == 8
    # the desk by e-mail and SMS; customers by e-mail and SMS for the late ones
    assert Notification.objects.filter(event="ticket.at_risk").count() == 12 * 2
    assert Notification.objects.filter(event="ticket.breached").count() == 8 * 4
