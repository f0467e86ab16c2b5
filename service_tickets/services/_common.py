"""What every ticket service shares: its errors, the row lock and the checks on who acts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rental.core import state
from rental.core.errors import ApplicationError, NotAllowed, NotFound

from ..models import Ticket

ACTION = "service_tickets.ticket."


class TicketError(ApplicationError):
    """A ticket request that cannot be honoured as asked."""


def hook(ticket: Ticket, **extra) -> dict:
    """What a webhook receiver hears about a ticket: facts, no sentences."""
    return {
        "number": ticket.number,
        "status": ticket.status,
        "contract": ticket.contract.number if ticket.contract_id else None,
        "customer": ticket.customer_id,
        "kind": ticket.kind,
        "reported_at": ticket.reported_at,
        "deadline": ticket.deadline,
        "technician": ticket.technician.username if ticket.technician_id else None,
        **extra,
    }


def lock(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket under a row lock (the core helper); call inside a transaction."""
    if isinstance(ticket, int):
        ticket = Ticket(pk=ticket)
    try:
        return state.lock(ticket, related=("contract", "customer", "technician"))
    except NotFound:
        raise NotFound(_("There is no such ticket."), code="not_found") from None


def require_staff(by) -> None:
    if not getattr(by, "is_authenticated", False) or not by.is_staff_member:
        raise NotAllowed(_("Only staff can do this."), code="staff_only")


def require_worker(ticket: Ticket, by) -> None:
    """The ticket's own technician, or staff acting for them; nobody else."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Please log in."), code="login")
    if by.is_staff_member:
        return
    if by.is_technician and ticket.technician_id == by.pk:
        return
    raise NotAllowed(_("This ticket is not assigned to you."), code="not_yours")


def require_status(ticket: Ticket, allowed: bool) -> None:
    state.require(
        ticket,
        allowed,
        message=_("Ticket %(number)s is %(status)s: that step does not apply now.")
        % {"number": ticket.number, "status": ticket.get_status_display()},
    )


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
