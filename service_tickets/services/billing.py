"""Writing a closed ticket's fee to its contract's statement, exactly once."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.models import Charge
from contracts.services.charges import charge_add
from rental.core import audit

from ..models import Ticket
from ._common import ACTION, lock

_CHARGE_KIND = {
    Ticket.Kind.DELIVERY: Charge.Kind.DELIVERY,
    Ticket.Kind.PICKUP: Charge.Kind.PICKUP,
}


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
        if ticket.status not in (Ticket.Status.CLOSED, Ticket.Status.COLLECTED):
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
                description=_description(ticket),
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
    """A contract's delivery and pickup are charged once, whether at handover (from the quote
    the customer accepted) or by the trip ticket: both use the same charge key."""
    if ticket.kind in (Ticket.Kind.DELIVERY, Ticket.Kind.PICKUP):
        return f"contract:{ticket.contract_id}:{ticket.kind}"
    return f"ticket:{ticket.pk}:fee"


def _description(ticket: Ticket) -> str:
    """In the customer's language: the statement is theirs."""
    user = ticket.customer.user
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        params = {"number": ticket.number, "kind": ticket.get_kind_display()}
        if ticket.surcharge_due:
            params["surcharge"] = ticket.surcharge_due
            return (
                _("Service ticket %(number)s: %(kind)s, incl. 24-hour surcharge %(surcharge)s CNY")
                % params
            )
        return _("Service ticket %(number)s: %(kind)s") % params
