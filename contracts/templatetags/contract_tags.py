"""How the history of a reservation or contract reads to staff."""

from django import template
from django.utils.translation import gettext_lazy as _

from catalog.pricing import rent_line_text

from ..money_text import charge_text, deposit_text

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
    "contracts.inspection.missed": _("Inspection missed"),
    "contracts.inspection.done": _("Inspection held"),
    "contracts.contract.term_set": _("Special service term set"),
    "contracts.contract.term_cleared": _("Special service term removed"),
    "contracts.deposit.collected": _("Deposit collected"),
    "contracts.deposit.refunded": _("Deposit refunded"),
    "contracts.deposit.deducted": _("Deducted from the deposit"),
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


@register.filter
def rent_lines(breakdown) -> str:
    """A quote line's rent breakdown in the reader's language: "1 × week at ¥150.00 + …"."""
    return " + ".join(rent_line_text(item) for item in breakdown or ())


register.filter("charge_text", charge_text)
register.filter("deposit_text", deposit_text)
