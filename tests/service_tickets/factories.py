"""Factories and helpers for service tickets: contracts of each tier, staff, technicians, tickets
opened through the services (so every ticket in a test was made the way production makes it)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from service_tickets import services
from service_tickets.models import Ticket
from tests.factories import (
    AddressFactory,
    AssetFactory,
    ContractFactory,
    CustomerFactory,
    StaffFactory,
    TechnicianFactory,
)

__all__ = [
    "AddressFactory",
    "AssetFactory",
    "ContractFactory",
    "CustomerFactory",
    "StaffFactory",
    "TechnicianFactory",
    "dispatcher",
    "manager",
    "contract_of",
    "open_ticket",
    "dispatched",
    "on_site",
    "resolved",
    "closed",
    "shift",
]


def dispatcher(**kwargs):
    """A front-desk staff member: the people the SLA sweep tells."""
    return StaffFactory(phone="13800138000", groups=["front_desk"], **kwargs)


def manager(**kwargs):
    return StaffFactory(groups=["manager"], **kwargs)


def contract_of(
    *,
    tier: str = "rapid",
    days: int = 30,
    zone: str = "base",
    distance_km: str = "7.5",
    units: int = 1,
    overrides: dict | None = None,
    customer=None,
    status: str = "active",
):
    """A contract of `tier` lasting `days` with a site in `zone`, and `units` units."""
    customer = customer or CustomerFactory()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    address = AddressFactory(
        customer=customer,
        zone=zone,
        district="siming" if zone == "base" else "jimei",
        distance_km=Decimal(distance_km),
        contact_name="林晓",
        contact_phone="13912345678",
    )
    return ContractFactory(
        customer=customer,
        address=address,
        tier=tier,
        status=status,
        starts_at=start,
        ends_at=start + timedelta(days=days),
        terms_overrides=overrides or {},
        units=[AssetFactory() for _ in range(units)],
    )


def open_ticket(contract=None, *, kind: str = "hardware", by=None, **kwargs) -> Ticket:
    """A ticket the customer opened online from their contract, about its first unit."""
    contract = contract or contract_of()
    return services.ticket_open(
        contract=contract,
        asset=contract.units.first().asset,
        kind=kind,
        description=kwargs.pop("description", "The laptop does not start."),
        by=by or contract.customer.user,
        **kwargs,
    )


def dispatched(ticket: Ticket, technician=None, staff=None) -> Ticket:
    staff = staff or StaffFactory(groups=[])  # in no group: hears no dispatch notices
    if ticket.deadline is None:
        services.ticket_set_deadline(
            ticket=ticket, deadline=timezone.now() + timedelta(hours=6), by=staff
        )
    return services.ticket_assign(
        ticket=ticket, technician=technician or TechnicianFactory(), by=staff
    )


def on_site(ticket: Ticket, technician=None) -> Ticket:
    ticket = dispatched(ticket, technician)
    return services.ticket_arrive(ticket=ticket, by=ticket.technician)


def resolved(ticket: Ticket, technician=None, *, hours: float | None = None, units=None) -> Ticket:
    """On site and resolved; with `hours`, the arrival is moved back so the resolution took that
    long (the surcharge case)."""
    ticket = on_site(ticket, technician)
    if hours is not None:
        arrived = timezone.now() - timedelta(hours=hours)
        shift(ticket, reported_at=arrived - timedelta(hours=1), arrived_at=arrived)
        ticket.refresh_from_db()
    units = units if units is not None else [u.asset for u in ticket.contract.units.all()[:1]]
    return services.ticket_resolve(
        ticket=ticket, by=ticket.technician, notes="Replaced the power adapter.", units=units
    )


def closed(ticket: Ticket, fee: Decimal | None = None, **kwargs) -> Ticket:
    from service_tickets.selectors import fee_quote

    ticket = resolved(ticket, **kwargs)
    fee = fee if fee is not None else fee_quote(ticket).low
    return services.ticket_close(ticket=ticket, by=ticket.technician, fee=fee)


def shift(ticket: Ticket, **times) -> None:
    """Move a ticket's timestamps (the clock in tests): reported_at, arrived_at, …

    Moving `reported_at` back moves the deadline and at-risk time with it."""
    fields = dict(times)
    if "reported_at" in times and ticket.deadline is not None:
        delta = times["reported_at"] - ticket.reported_at
        fields["deadline"] = ticket.deadline + delta
        fields["at_risk_from"] = ticket.at_risk_from + delta
        if ticket.assigned_at:
            fields.setdefault("assigned_at", ticket.assigned_at + delta)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
