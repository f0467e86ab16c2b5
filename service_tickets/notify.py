"""Who hears about a ticket: its technician, the dispatch desk and, for a breach, the customer."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from contracts.notify import customer_recipient, staff_recipients
from rental.accounts.models import User
from rental.notifications.services import Recipient

from .models import Ticket

__all__ = ["customer_recipient", "dispatch_recipients", "technician_recipient", "ticket_url"]

DISPATCH_GROUPS = (User.StaffGroup.FRONT_DESK, User.StaffGroup.MANAGER)


def dispatch_recipients() -> list[Recipient]:
    """The staff who dispatch technicians: the front desk and the managers."""
    return staff_recipients(*DISPATCH_GROUPS)


def manager_recipients() -> list[Recipient]:
    return staff_recipients(User.StaffGroup.MANAGER)


def technician_recipient(ticket: Ticket) -> list[Recipient]:
    return [Recipient.for_user(ticket.technician)] if ticket.technician_id else []


def ticket_url(ticket: Ticket, audience: str) -> str:
    """An absolute link to the ticket's page for `audience` (customer, technician, staff), when
    SITE_URL is configured; else "" and the message goes without a link."""
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    if not site:
        return ""
    name = {
        "customer": "service_tickets:customer_ticket",
        "technician": "service_tickets:tech_ticket",
        "staff": "service_tickets:staff_ticket",
    }[audience]
    try:
        return site + reverse(name, args=[ticket.number])
    except NoReverseMatch:
        return ""
