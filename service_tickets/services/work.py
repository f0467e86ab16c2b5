"""Every status change of a ticket after it is opened: dispatch, the technician's steps, closing
with the fee, cancelling, waiving the 24-hour surcharge, and the tech department's steps.

Each service re-reads the ticket under a row lock, checks who acts and that the step applies to
the current status, saves only the fields it changes, writes an audit event and schedules side
effects (billing) for after the commit.
"""

from __future__ import annotations

from decimal import Decimal

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Asset
from contracts.services.charges import charge_add
from rental import webhooks
from rental.accounts.models import User
from rental.core import audit
from rental.core.errors import NotAllowed
from rental.core.money import ZERO, cny
from rental.core.phones import display_phone
from rental.core.state import set_status
from rental.core.tasks import enqueue_on_commit
from rental.notifications.services import notify

from .. import fees, sla
from ..models import Ticket
from ..notify import technician_recipient, ticket_url
from ..selectors import fee_quote, in_every_language, ticket_terms
from ._common import (
    ACTION,
    TicketError,
    hook,
    lock,
    require_staff,
    require_status,
    require_worker,
)

BILL_TASK = "service_tickets.ticket_bill"
MAX_UNITS = 50


def ticket_assign(*, ticket: Ticket, technician: User, by) -> Ticket:
    """Dispatch a ticket to a technician (or hand it to another before they arrive).

    A ticket with no deadline is refused: staff set one first (DOMAIN.md: "staff set one by hand").
    """
    require_staff(by)
    if not (technician.is_technician and technician.is_active):
        raise TicketError(_("Choose an active technician."), code="technician")
    with transaction.atomic():
        ticket = lock(ticket)
        require_status(ticket, ticket.can_assign())
        if ticket.deadline is None:
            raise TicketError(
                _("This ticket has no automatic deadline: set one before dispatching it."),
                code="needs_deadline",
            )
        previous = ticket.technician_id
        ticket.technician = technician
        ticket.assigned_at = timezone.now()
        ticket.en_route_at = None
        set_status(
            ticket,
            Ticket.Status.ASSIGNED,
            by=by,
            event=ACTION + "assigned",
            fields=["technician", "assigned_at", "en_route_at"],
            technician=technician.pk,
            previous=previous,
        )
        _tell_technician(ticket)
        webhooks.emit(event="ticket.assigned", payload=hook(ticket))
    return ticket


def _tell_technician(ticket: Ticket) -> None:
    """The technician hears of the job with what they need to get there in time."""
    contact_name, contact_phone = ticket.site_contact()
    notify(
        event="ticket.dispatched",
        key=f"ticket:{ticket.pk}:dispatched:{ticket.technician_id}:{int(ticket.assigned_at.timestamp())}",
        recipients=technician_recipient(ticket),
        context={
            "number": ticket.number,
            "deadline": ticket.deadline,
            "address": ticket.site_address or ticket.get_path_display(),
            "contact_name": contact_name,
            "contact_phone": display_phone(contact_phone) if contact_phone else "",
            "problem": Ticket.Kind(ticket.kind).label,
            "url": ticket_url(ticket, "technician"),
        },
    )


def ticket_en_route(*, ticket: Ticket, by) -> Ticket:
    with transaction.atomic():
        ticket = lock(ticket)
        require_worker(ticket, by)
        require_status(ticket, ticket.can_en_route())
        ticket.en_route_at = timezone.now()
        set_status(
            ticket, Ticket.Status.EN_ROUTE, by=by, event=ACTION + "en_route", fields=["en_route_at"]
        )
    return ticket


def ticket_arrive(*, ticket: Ticket, by) -> Ticket:
    """The technician is on site: the response deadline is met (or missed) at this moment."""
    with transaction.atomic():
        ticket = lock(ticket)
        require_worker(ticket, by)
        require_status(ticket, ticket.can_arrive())
        now = timezone.now()
        ticket.arrived_at = now
        ticket.minutes_to_arrive = int((now - ticket.reported_at).total_seconds() // 60)
        if ticket.deadline is not None:
            ticket.minutes_past_deadline = sla.minutes_past(deadline=ticket.deadline, at=now)
            ticket.outcome = Ticket.Outcome.LATE if now > ticket.deadline else Ticket.Outcome.MET
        set_status(
            ticket,
            Ticket.Status.ON_SITE,
            by=by,
            event=ACTION + "arrived",
            fields=["arrived_at", "minutes_to_arrive", "minutes_past_deadline", "outcome"],
            on_time=ticket.deadline is None or now <= ticket.deadline,
        )
    return ticket


def ticket_resolve(
    *,
    ticket: Ticket,
    by,
    notes: str,
    units: list[Asset],
    parts: str = "",
    work_kind: str | None = None,
) -> Ticket:
    """The problem is solved: what was done, on which units, with which parts."""
    with transaction.atomic():
        ticket = lock(ticket)
        require_worker(ticket, by)
        require_status(ticket, ticket.can_resolve())
        if not notes.strip():
            raise TicketError(_("Write what was done."), code="notes")
        units = _check_units(ticket, units)
        ticket.work_kind = _work_kind(ticket, work_kind)
        ticket.resolved_at = timezone.now()
        ticket.resolution_notes = notes.strip()
        ticket.parts = parts.strip()
        ticket.units_worked.set(units)
        set_status(
            ticket,
            Ticket.Status.RESOLVED,
            by=by,
            event=ACTION + "resolved",
            fields=["resolved_at", "resolution_notes", "parts", "work_kind"],
            units=[u.pk for u in units],
            work=ticket.work_kind,
        )
    return ticket


def ticket_close(*, ticket: Ticket, by, fee: Decimal) -> Ticket:
    """Close a resolved ticket with the fee chosen inside its range (enforced), plus the 24-hour
    surcharge when the resolution took longer; the fee is billed by a task after commit.

    Included work is closed at 0 and keeps the price it would have had (`list_price_*`).
    """
    with transaction.atomic():
        ticket = lock(ticket)
        require_worker(ticket, by)
        require_status(ticket, ticket.can_close())
        quote = fee_quote(ticket)
        chosen = fees.check_fee_in_range((quote.low, quote.high), fee)
        fields = ["closed_at", "fee_low", "fee_high", "fee", "fee_explanation"]
        ticket.fee_low, ticket.fee_high, ticket.fee = quote.low, quote.high, chosen
        ticket.fee_explanation = quote.explanation
        if quote.list_price is not None:
            ticket.list_price_low, ticket.list_price_high = quote.list_price
            fields += ["list_price_low", "list_price_high"]
        if not ticket.is_trip:
            _set_surcharge(ticket, repair_fee=max(ZERO, chosen - quote.transport))
            fields += ["surcharge", "surcharge_explanation"]
        ticket.closed_at = timezone.now()
        set_status(
            ticket,
            Ticket.Status.CLOSED,
            by=by,
            event=ACTION + "closed",
            fields=fields,
            fee=chosen,
            surcharge=ticket.surcharge or ZERO,
        )
        webhooks.emit(event="ticket.closed", payload=hook(ticket, fee=chosen))
        enqueue_on_commit(current_app.signature(BILL_TASK), ticket.pk)
    return ticket


def ticket_cancel(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Staff cancel an open ticket; a customer may cancel their own while it is still new."""
    if not reason.strip():
        raise TicketError(_("Give a reason for cancelling."), code="reason")
    with transaction.atomic():
        ticket = lock(ticket)
        if getattr(by, "is_staff_member", False):
            allowed = ticket.can_cancel()
        elif getattr(by, "is_customer", False) and ticket.customer.user_id == by.pk:
            allowed = ticket.can_customer_cancel()
        else:
            raise NotAllowed(_("You cannot cancel this ticket."), code="not_yours")
        require_status(ticket, allowed)
        ticket.cancelled_at = timezone.now()
        ticket.cancel_reason = reason.strip()[:300]
        set_status(
            ticket,
            Ticket.Status.CANCELLED,
            by=by,
            event=ACTION + "cancelled",
            fields=["cancelled_at", "cancel_reason"],
            reason=ticket.cancel_reason,
        )
    return ticket


def surcharge_waive(*, ticket: Ticket, by, reason: str) -> Ticket:
    """Staff waive the 24-hour surcharge with a reason (e.g. the delay was ours).

    Before closing, the ticket closes without it; after billing, a credit of the same amount is
    added to the contract's statement (charges are never edited).
    """
    require_staff(by)
    if not reason.strip():
        raise TicketError(_("Give a reason for waiving the surcharge."), code="reason")
    with transaction.atomic():
        ticket = lock(ticket)
        require_status(ticket, ticket.can_waive_surcharge())
        if ticket.status == Ticket.Status.RESOLVED and not fee_quote(ticket).surcharge_applies:
            raise TicketError(
                _("This repair took less than the free hours: there is no surcharge to waive."),
                code="no_surcharge",
            )
        ticket.surcharge_waived_at = timezone.now()
        ticket.surcharge_waived_by = by
        ticket.surcharge_waive_reason = reason.strip()[:300]
        ticket.save(
            update_fields=["surcharge_waived_at", "surcharge_waived_by", "surcharge_waive_reason"]
        )
        if ticket.billed_at is not None and ticket.surcharge and ticket.contract_id:
            charge_add(
                contract=ticket.contract,
                kind="adjustment",
                amount=-ticket.surcharge,
                details={"what": "surcharge_waived", "number": ticket.number},
                key=f"ticket:{ticket.pk}:surcharge_waived",
                by=by,
            )
        audit.record(by, ACTION + "surcharge_waived", ticket, reason=ticket.surcharge_waive_reason)
    return ticket


def workshop_repaired(
    *, ticket: Ticket, by, notes: str, parts: str = "", units: list[Asset] | None = None
) -> Ticket:
    """The tech department has repaired a unit the customer brought in."""
    require_staff(by)
    with transaction.atomic():
        ticket = lock(ticket)
        require_status(ticket, ticket.can_mark_repaired())
        if not notes.strip():
            raise TicketError(_("Write what was done."), code="notes")
        units = _check_units(ticket, units if units is not None else [ticket.asset])
        ticket.resolved_at = timezone.now()
        ticket.resolution_notes = notes.strip()
        ticket.parts = parts.strip()
        ticket.work_kind = ticket.kind
        ticket.units_worked.set(units)
        set_status(
            ticket,
            Ticket.Status.REPAIRED,
            by=by,
            event=ACTION + "repaired",
            fields=["resolved_at", "resolution_notes", "parts", "work_kind"],
        )
    return ticket


def workshop_collected(*, ticket: Ticket, by, fee: Decimal = ZERO, fee_note: str = "") -> Ticket:
    """The customer collected the repaired unit. The repair is free; a fee is taken only for
    items the contract makes chargeable, which staff name in `fee_note`."""
    require_staff(by)
    fee = cny(fee)
    if fee < 0:
        raise TicketError(_("A fee must not be negative."), code="fee")
    if fee > 0 and not fee_note.strip():
        raise TicketError(
            _("Name the items the contract makes chargeable, or leave the fee at 0."),
            code="fee_note",
        )
    with transaction.atomic():
        ticket = lock(ticket)
        require_status(ticket, ticket.can_mark_collected())
        quote = fee_quote(ticket)
        ticket.closed_at = timezone.now()
        # The workshop's own range is 0–0; the contract's chargeable items, named by staff,
        # are the range's top, so the stored range still holds the fee (and says why).
        ticket.fee_low, ticket.fee_high, ticket.fee = quote.low, max(quote.high, fee), fee
        ticket.fee_note = fee_note.strip()[:300]
        note = ticket.fee_note
        ticket.fee_explanation = (
            in_every_language(
                lambda: _("Chargeable under the contract: %(items)s.") % {"items": note}
            )
            if fee
            else quote.explanation
        )
        set_status(
            ticket,
            Ticket.Status.COLLECTED,
            by=by,
            event=ACTION + "collected",
            fields=["closed_at", "fee_low", "fee_high", "fee", "fee_note", "fee_explanation"],
            fee=fee,
        )
        webhooks.emit(event="ticket.closed", payload=hook(ticket, fee=fee))
        enqueue_on_commit(current_app.signature(BILL_TASK), ticket.pk)
    return ticket


# --- helpers ---------------------------------------------------------------------------------


def _check_units(ticket: Ticket, units: list[Asset]) -> list[Asset]:
    units = list(dict.fromkeys(u for u in units if u is not None))
    if len(units) > MAX_UNITS:
        raise TicketError(_("Too many units."), code="units")
    if ticket.contract_id:
        on_contract = set(ticket.contract.units.values_list("asset_id", flat=True))
        if any(u.pk not in on_contract for u in units):
            raise TicketError(_("That unit is not on this contract."), code="units")
        if not units and on_contract and not ticket.is_trip:
            raise TicketError(_("Choose the units you worked on."), code="units")
    return units


def _work_kind(ticket: Ticket, work_kind: str | None) -> str:
    if ticket.is_trip:
        return Ticket.WorkKind.NONE
    work_kind = work_kind or (
        ticket.kind if ticket.kind in (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE) else None
    )
    if work_kind not in Ticket.WorkKind.values:
        raise TicketError(_("Choose what kind of work was done."), code="work_kind")
    return work_kind


def _set_surcharge(ticket: Ticket, *, repair_fee: Decimal) -> None:
    terms = ticket_terms(ticket)
    hours = ticket.hours_to_resolve or Decimal(0)
    ticket.surcharge = fees.overtime_surcharge(
        repair_fee=repair_fee, hours_to_resolve=hours, terms=terms
    )
    ticket.surcharge_explanation = in_every_language(
        lambda: fees.explain_overtime_surcharge(
            repair_fee=repair_fee, hours_to_resolve=hours, terms=terms
        )
    )
