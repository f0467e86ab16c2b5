"""How the history of a reservation or contract reads to staff."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTIONS = {
    "contracts.reservation.created": _("Reservation made"),
    "contracts.reservation.cancelled": _("Reservation cancelled"),
    "contracts.reservation.expired": _("Reservation expired"),
    "contracts.inspection.booked": _("Inspection booked"),
    "contracts.inspection.rescheduled": _("Inspection rescheduled"),
    "contracts.inspection.cancelled": _("Inspection cancelled"),
    "contracts.inspection.confirmed": _("Inspection confirmed"),
    "contracts.inspection.outcome": _("Inspection outcome recorded"),
    "contracts.contract.drafted": _("Draft contract created"),
    "contracts.contract.deposit_changed": _("Deposit changed"),
    "contracts.contract.signed": _("Contract signed"),
    "contracts.contract.unit_handed_over": _("Unit handed over"),
    "contracts.contract.handed_over": _("All units handed over"),
    "contracts.contract.unit_returned": _("Unit returned"),
    "contracts.contract.returned": _("All units returned"),
    "contracts.contract.extended": _("Rental extended"),
    "contracts.contract.closed": _("Contract settled and closed"),
    "contracts.contract.cancelled": _("Contract cancelled"),
    "contracts.charge.added": _("Charge added"),
    "contracts.payment.recorded": _("Payment recorded"),
}


@register.filter
def audit_label(event) -> str:
    """The event in words, with the detail staff look for (which unit, which amount)."""
    label = str(ACTIONS.get(event.action, event.action))
    data = event.data or {}
    detail = data.get("asset") or data.get("amount") or data.get("reason") or ""
    return f"{label} · {detail}" if detail else label
