"""The monthly SLA report: the selector's counts and rates, the staff page, the managers' e-mail."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from rental.core.timeutil import SHANGHAI, local
from rental.notifications.models import Notification
from service_tickets import services
from service_tickets.reports import previous_month, sla_report
from tests.service_tickets.factories import (
    StaffFactory,
    TechnicianFactory,
    contract_of,
    dispatched,
    manager,
    open_ticket,
    shift,
)

pytestmark = pytest.mark.django_db


def _last_month_at(day: int, hour: int) -> datetime:
    month = previous_month(local(timezone.now()).date())
    return datetime(month.year, month.month, day, hour, tzinfo=SHANGHAI)


def _ticket(*, tier="rapid", zone="base", technician=None, arrive_after=None, day=10):
    """A ticket called last month at 10:00; `arrive_after`: the technician arrived that long after
    the call (None: never)."""
    ticket = open_ticket(contract_of(tier=tier, days=3, zone=zone))
    called = _last_month_at(day, 10)
    if technician is not None:
        ticket = dispatched(ticket, technician)
    shift(ticket, reported_at=called)
    if arrive_after is not None:
        ticket.refresh_from_db()
        services.ticket_arrive(ticket=ticket, by=technician)
        shift(ticket, arrived_at=called + arrive_after)
    return ticket


@pytest.fixture
def month_of_tickets():
    wang, li = (
        TechnicianFactory(first_name="伟", last_name="王"),
        TechnicianFactory(first_name="娜", last_name="李"),
    )
    _ticket(technician=wang, arrive_after=timedelta(hours=3))  # on time (4 h)
    _ticket(technician=wang, arrive_after=timedelta(hours=5))  # late
    _ticket(technician=li, arrive_after=timedelta(hours=1))  # on time
    _ticket()  # never came: late once its deadline passed
    _ticket(tier="value_added", technician=li, arrive_after=timedelta(hours=20))  # on time (24 h)
    _ticket(tier="basic")  # no deadline: counted, not rated
    cancelled = _ticket()
    services.ticket_cancel(ticket=cancelled, by=StaffFactory(groups=[]), reason="Duplicate call")
    open_ticket(contract_of())  # this month: not in last month's report
    return wang, li


def test_the_report_counts_tickets_and_on_time_rates_by_tier_zone_and_technician(
    month_of_tickets,
):
    wang, li = month_of_tickets

    report = sla_report(month=previous_month(local(timezone.now()).date()))

    total = report.total
    assert (total.tickets, total.rated, total.on_time, total.late) == (7, 5, 3, 2)
    assert total.on_time_rate == Decimal("60.0")
    assert total.cancelled == 1
    tiers = {
        row.key: (row.tickets, row.rated, row.on_time, row.on_time_rate) for row in report.by_tier
    }
    assert tiers == {
        "basic": (1, 0, 0, None),
        "value_added": (1, 1, 1, Decimal("100.0")),
        "rapid": (5, 4, 2, Decimal("50.0")),
    }
    assert [(row.key, row.tickets, row.rated) for row in report.by_zone] == [("base", 7, 5)]
    techs = {
        row.label: (row.rated, row.on_time, row.avg_response_minutes)
        for row in report.by_technician
    }
    assert techs == {"王伟": (2, 1, 240), "李娜": (2, 2, 630)}


def test_the_staff_page_shows_the_report(client, month_of_tickets):
    client.force_login(StaffFactory())
    month = previous_month(local(timezone.now()).date())

    with translation.override("en"):
        page = client.get(reverse("service_tickets:staff_report"), {"month": f"{month:%Y-%m}"})

    content = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="by-technician"' in content and "王伟" in content
    assert "60.0%" in content


def test_the_report_is_sent_to_managers_once_a_month(month_of_tickets):
    boss = manager(email="boss@example.com", phone="13900139000", preferred_language="en")
    StaffFactory(email="desk@example.com", groups=["front_desk"])  # not a manager
    month = previous_month(local(timezone.now()).date())

    services.sla_report_send(month=month)
    services.sla_report_send(month=month)

    rows = Notification.objects.filter(event="ticket.sla_report")
    assert sorted(rows.values_list("recipient", flat=True)) == [
        "+8613900139000",
        "boss@example.com",
    ]
    mail = rows.get(channel="email")
    assert mail.key == f"sla_report:{month:%Y-%m}"
    assert mail.subject == f"Service SLA report {month:%Y-%m}"
    assert "60.0% (3 of 5 tickets with a deadline)" in mail.body
    assert "- Rapid service: 5 · 50.0%" in mail.body
    assert "- 王伟: 2 · 50.0%" in mail.body
    sms = rows.get(channel="sms")
    assert sms.body == (
        f"[Xinsisuo Rental] Service SLA {month:%Y-%m}: 7 tickets, 60.0% on time. Details by e-mail."
    )
    assert boss.notifications.count() == 2
