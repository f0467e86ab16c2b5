"""Closing a contract also ends its service: no ticket stays dispatched, no countdown runs on.

The contract's own close (contracts.services.contract_close) settles the money; this service
does that and, in the same transaction, cancels the contract's tickets that are still open (a
call, a trip or a workshop repair) with a note saying why. A repair already resolved but not yet
closed with its fee must be closed first: its fee belongs on the statement being settled. A ticket
closed whose fee is not on the statement yet (its billing task has not run, or was lost) is billed
here first, for the same reason.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Contract
from contracts.services import contract_close

from ..models import Ticket
from ._common import TicketError
from .billing import ticket_bill
from .work import ticket_cancel


def contract_close_with_tickets(
    *, contract: Contract, by, refund_method: str = "", refund_reference: str = ""
) -> tuple[Contract, list[Ticket]]:
    """Settle and close the contract and cancel its open tickets; returns those tickets."""
    with transaction.atomic():
        tickets = list(contract.tickets.select_for_update().order_by("pk"))
        unbilled = [t for t in tickets if t.status == Ticket.Status.RESOLVED]
        if unbilled:
            raise TicketError(
                _("Close ticket %(number)s with its fee first: it goes on this statement.")
                % {"number": unbilled[0].number},
                code="ticket_unbilled",
            )
        for ticket in tickets:
            if ticket.status in Ticket.BILLABLE and ticket.billed_at is None:
                ticket_bill(ticket_id=ticket.pk)
        contract = contract_close(
            contract=contract,
            by=by,
            refund_method=refund_method,
            refund_reference=refund_reference,
        )
        note = _("Contract %(number)s was settled and closed.") % {"number": contract.number}
        cancelled = [ticket_cancel(ticket=t, by=by, reason=note) for t in tickets if t.can_cancel()]
    return contract, cancelled
