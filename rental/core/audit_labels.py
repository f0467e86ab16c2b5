"""How an audit event reads to people: "张伟 · 合同已签订 · ¥722.00", never a code.

The audit trail stores codes so that it can be queried; every page that shows a history takes its
words from this one table. An event whose code is not listed (a new one) still reads as a
sentence, by what it was done to, rather than as the code.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "accounts.user.signed_up": _("Signed up"),
    "accounts.user.verified": _("Confirmed the account with a code"),
    "accounts.user.recovered": _("Set a new password with a recovery code"),
    "catalog.asset.status_changed": _("Unit status changed"),
    "catalog.assets.imported": _("Units imported"),
    "catalog.calendar.placed": _("Units placed on the calendar"),
    "catalog.calendar.released": _("Units released from the calendar"),
    "catalog.calendar.end_moved": _("Calendar end moved"),
    "catalog.calendar.start_moved": _("Calendar start moved"),
    "catalog.calendar.kind_changed": _("Calendar entry changed"),
    "contracts.address.added": _("Address added"),
    "contracts.customer.created": _("Customer details saved"),
    "contracts.document.uploaded": _("Document copy uploaded"),
    "contracts.document.verified": _("Document copy verified"),
    "contracts.document.rejected": _("Document copy rejected"),
    "contracts.guarantor.set": _("Guarantor named"),
    "contracts.guarantor.updated": _("Guarantor's details updated"),
    "contracts.guarantor.replaced": _("Guarantor replaced"),
    "contracts.guarantor.household_confirmed": _("Guarantor's Xiamen registration confirmed"),
    "contracts.reservation.created": _("Reservation made"),
    "contracts.reservation.cancelled": _("Reservation cancelled"),
    "contracts.reservation.expired": _("Reservation expired"),
    "contracts.inspection.booked": _("Inspection booked"),
    "contracts.inspection.rescheduled": _("Inspection rescheduled"),
    "contracts.inspection.cancelled": _("Inspection cancelled"),
    "contracts.inspection.confirmed": _("Inspection confirmed"),
    "contracts.inspection.outcome": _("Inspection outcome recorded"),
    "contracts.inspection.missed": _("Inspection missed"),
    "contracts.inspection.done": _("Inspection held"),
    "contracts.contract.drafted": _("Draft contract created"),
    "contracts.contract.deposit_changed": _("Deposit changed"),
    "contracts.contract.term_set": _("Special service term set"),
    "contracts.contract.term_cleared": _("Special service term removed"),
    "contracts.contract.signed": _("Contract signed"),
    "contracts.contract.unit_handed_over": _("Unit handed over"),
    "contracts.contract.handed_over": _("All units handed over"),
    "contracts.contract.start_moved": _("Rental start moved for an earlier handover"),
    "contracts.contract.distance_confirmed": _("Road distance confirmed"),
    "contracts.contract.unit_returned": _("Unit returned"),
    "contracts.contract.returned": _("All units returned"),
    "contracts.contract.extended": _("Rental extended"),
    "contracts.contract.written_off": _("Balance written off"),
    "contracts.contract.closed": _("Contract settled and closed"),
    "contracts.contract.cancelled": _("Contract cancelled"),
    "contracts.charge.added": _("Charge added"),
    "contracts.payment.recorded": _("Payment recorded"),
    "contracts.deposit.recorded": _("Deposit movement recorded"),
    "contracts.deposit.collected": _("Deposit collected"),
    "contracts.deposit.refunded": _("Deposit refunded"),
    "contracts.deposit.deducted": _("Deducted from the deposit"),
    "core.policy.changed": _("House policy changed"),
    "notifications.notification.retried": _("Notification sent again"),
    "service_tickets.terms.published": _("New service terms published"),
    "service_tickets.ticket.opened": _("Service call opened"),
    "service_tickets.ticket.received": _("Received at the workshop"),
    "service_tickets.ticket.trip_scheduled": _("Trip scheduled"),
    "service_tickets.ticket.deadline_set": _("Deadline set by hand"),
    "service_tickets.ticket.assigned": _("Dispatched to a technician"),
    "service_tickets.ticket.en_route": _("Technician on the way"),
    "service_tickets.ticket.arrived": _("Technician on site"),
    "service_tickets.ticket.resolved": _("Resolved"),
    "service_tickets.ticket.repaired": _("Repaired"),
    "service_tickets.ticket.closed": _("Closed with the fee"),
    "service_tickets.ticket.collected": _("Collected by the customer"),
    "service_tickets.ticket.billed": _("Fee charged to the contract"),
    "service_tickets.ticket.cancelled": _("Cancelled"),
    "service_tickets.ticket.surcharge_waived": _("Surcharge waived"),
    "service_tickets.ticket.at_risk": _("Marked at risk"),
    "service_tickets.ticket.breached": _("Marked late"),
}

# Unlisted codes read by what they were done to.
_OBJECT_WORDS = {
    "accounts": _("Account updated"),
    "catalog": _("Stock updated"),
    "contracts": _("Record updated"),
    "service_tickets": _("Service ticket updated"),
}


def event_label(action: str) -> str:
    """The event's name in the reader's language."""
    if action in EVENT_LABELS:
        return str(EVENT_LABELS[action])
    return str(_OBJECT_WORDS.get(action.split(".", 1)[0], _("Record updated")))


def event_detail(data: dict[str, Any] | None) -> str:
    """The one fact staff look for in the event: which unit, how much, or why."""
    data = data or {}
    for name in ("asset", "amount", "total", "reason", "note"):
        value = data.get(name)
        if value in (None, "", []):
            continue
        if name in ("amount", "total"):
            try:
                return f"¥{Decimal(str(value)):,.2f}"
            except InvalidOperation:
                return str(value)
        return str(value)
    return ""


def event_sentence(event) -> str:
    label = event_label(event.action)
    detail = event_detail(event.data)
    return f"{label} · {detail}" if detail else label


def actor_name(user) -> str:
    """A person's name as colleagues say it; the system when nobody acted."""
    if user is None:
        return gettext("System")
    return user.get_full_name() or user.get_username()
