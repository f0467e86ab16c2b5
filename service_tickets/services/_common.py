"""What every ticket service shares: its errors, the row lock and the checks on who acts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rental.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied

from ..models import Ticket

ACTION = "service_tickets.ticket."


class TicketError(ApplicationError):
    """A ticket request that cannot be honoured as asked."""


class TicketConflict(Conflict):
    """The ticket has moved on: the step asked for no longer applies to its status."""


def lock(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket under a row lock; call inside a transaction."""
    pk = ticket if isinstance(ticket, int) else ticket.pk
    found = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("contract", "customer", "technician")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such ticket."), code="not_found")
    return found


def require_staff(by) -> None:
    if not getattr(by, "is_authenticated", False) or not by.is_staff_member:
        raise PermissionDenied(_("Only staff can do this."), code="staff_only")


def require_worker(ticket: Ticket, by) -> None:
    """The ticket's own technician, or staff acting for them; nobody else."""
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Please log in."), code="login")
    if by.is_staff_member:
        return
    if by.is_technician and ticket.technician_id == by.pk:
        return
    raise PermissionDenied(_("This ticket is not assigned to you."), code="not_yours")


def require_status(ticket: Ticket, allowed: bool) -> None:
    if not allowed:
        raise TicketConflict(
            _("Ticket %(number)s is %(status)s: that step does not apply now.")
            % {"number": ticket.number, "status": ticket.get_status_display()},
            code="wrong_status",
            extra={"status": ticket.status},
        )


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
