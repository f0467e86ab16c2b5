"""The events a webhook endpoint may subscribe to. Services emit them inside their transaction."""

from django.utils.translation import gettext_lazy as _

EVENTS: dict[str, object] = {
    "reservation.created": _("A reservation was made"),
    "reservation.expired": _("A reservation expired"),
    "reservation.cancelled": _("A reservation was cancelled"),
    "inspection.booked": _("An inspection was booked"),
    "contract.signed": _("A contract was signed"),
    "contract.handed_over": _("A contract's units were handed over"),
    "contract.returned": _("A contract's units were returned"),
    "contract.closed": _("A contract was closed"),
    "payment.recorded": _("A payment was recorded"),
    "deposit.refunded": _("A deposit was refunded"),
    "ticket.opened": _("A service ticket was opened"),
    "ticket.assigned": _("A service ticket was assigned to a technician"),
    "ticket.at_risk": _("A service ticket's deadline is near"),
    "ticket.breached": _("A service ticket missed its deadline"),
    "ticket.closed": _("A service ticket was closed"),
}


def choices() -> list[tuple[str, object]]:
    return list(EVENTS.items())
