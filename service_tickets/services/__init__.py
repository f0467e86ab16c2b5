"""Every write of the service app. Import from here: `from service_tickets import services`."""

from ._common import TicketError
from .billing import ticket_bill, tickets_bill_due
from .closing import contract_close_with_tickets
from .opening import (
    ticket_open,
    ticket_open_by_staff,
    ticket_set_deadline,
    trip_schedule,
    workshop_receive,
)
from .report import sla_report_send
from .sweep import SweepResult, tickets_announce_marks, tickets_mark_due, tickets_sweep_sla
from .terms import TermsVersionError, terms_version_create
from .work import (
    surcharge_waive,
    ticket_arrive,
    ticket_assign,
    ticket_cancel,
    ticket_close,
    ticket_en_route,
    ticket_resolve,
    workshop_collected,
    workshop_repaired,
)

__all__ = [
    "contract_close_with_tickets",
    "SweepResult",
    "TermsVersionError",
    "TicketError",
    "sla_report_send",
    "surcharge_waive",
    "terms_version_create",
    "ticket_arrive",
    "ticket_assign",
    "ticket_bill",
    "ticket_cancel",
    "ticket_close",
    "ticket_en_route",
    "ticket_open",
    "ticket_open_by_staff",
    "ticket_resolve",
    "ticket_set_deadline",
    "tickets_announce_marks",
    "tickets_bill_due",
    "tickets_mark_due",
    "tickets_sweep_sla",
    "trip_schedule",
    "workshop_collected",
    "workshop_receive",
    "workshop_repaired",
]
