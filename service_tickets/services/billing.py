"""Writing a closed ticket's fee to its contract's statement, exactly once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from contracts.models import Charge
from contracts.services.charges import charge_add
from contracts.services.contracts import trip_charge_key
from rental.core import audit

from ..models import Ticket
from ._common import ACTION, lock

logger = logging.getLogger(__name__)

_CHARGE_KIND = {
    Ticket.Kind.DELIVERY: Charge.Kind.DELIVERY,
    Ticket.Kind.PICKUP: Charge.Kind.PICKUP,
}


# A closed ticket's own billing task has this long to run before the sweep bills it instead.
BILL_GRACE = timedelta(minutes=5)


def tickets_bill_due(*, now: datetime | None = None) -> int:
    """Bill every ticket closed more than BILL_GRACE ago whose fee is not on its statement yet:
    its billing task was lost (the process killed between the commit and the broker, the
    broker's queue lost). Beat runs it; billing is idempotent, so a task that was only late adds
    nothing twice. One ticket that cannot be billed is logged and left for the next run, not in
    the others' way. Returns how many tickets it billed."""
    due = Ticket.objects.filter(
        status__in=Ticket.BILLABLE,
        billed_at__isnull=True,
        closed_at__lt=(now or timezone.now()) - BILL_GRACE,
    ).order_by("closed_at")
    billed = 0
    for ticket_id in list(due.values_list("pk", flat=True)):
        try:
            ticket_bill(ticket_id=ticket_id)
        except Exception:
            logger.exception(
                "Ticket %s could not be billed; the next sweep tries again.", ticket_id
            )
        else:
            billed += 1
    return billed


def ticket_bill(*, ticket_id: int) -> Ticket | None:
    """Charge a closed ticket's fee (+ the surcharge unless waived) to its contract.

    Safe to run twice or at once: the ticket is locked, a billed ticket is left alone, and the
    charge's key `ticket:<id>:fee` is unique, so a second run adds nothing. A fee of 0 (included
    work) adds no charge line; the ticket keeps the list price it would have had. A ticket without
    a contract is marked billed with nothing charged: its fee is settled at the desk.
    """
    with transaction.atomic():
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            return None
        ticket = lock(ticket)
        if ticket.status not in Ticket.BILLABLE:
            return ticket
        if ticket.billed_at is not None:
            return ticket
        amount = ticket.amount_due
        charge = None
        if ticket.contract_id and amount > 0:
            charge, _created = charge_add(
                contract=ticket.contract,
                kind=_CHARGE_KIND.get(ticket.kind, Charge.Kind.SERVICE),
                amount=amount,
                details=_details(ticket),
                key=_charge_key(ticket),
                by=None,
            )
        ticket.billed_at = timezone.now()
        ticket.billed_amount = charge.amount if charge else 0
        ticket.save(update_fields=["billed_at", "billed_amount"])
        audit.record(
            None,
            ACTION + "billed",
            ticket,
            amount=ticket.billed_amount,
            charge=charge.pk if charge else None,
        )
    return ticket


def _charge_key(ticket: Ticket) -> str:
    """A contract's delivery and pickup are charged once, whether at handover or by the trip
    ticket: both post the contract's own trip fee under the same key."""
    if ticket.kind in (Ticket.Kind.DELIVERY, Ticket.Kind.PICKUP):
        return trip_charge_key(ticket.contract, ticket.kind)
    return f"ticket:{ticket.pk}:fee"


def _details(ticket: Ticket) -> dict:
    """The facts of the charge; the statement words them in its reader's language."""
    if ticket.kind in (Ticket.Kind.DELIVERY, Ticket.Kind.PICKUP):
        return {"what": ticket.kind}
    details = {"what": "service_ticket", "number": ticket.number, "kind": ticket.kind}
    if ticket.surcharge_due:
        details["surcharge"] = str(ticket.surcharge_due)
    return details
