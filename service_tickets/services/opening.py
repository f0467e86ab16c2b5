"""Opening tickets (online, by phone, at the counter), scheduling trips, and setting deadlines.

At creation a ticket copies the site (zone, distance, address, contact) and the tier from the
contract, computes the response deadline with the contract's terms and the contract's rental
length, and stores the deadline with its explanation in every site language.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Asset
from contracts.models import Address, Contract, Customer
from rental import webhooks
from rental.core import audit, policy
from rental.core.errors import NotAllowed
from rental.core.numbering import next_number

from .. import sla
from ..models import TermsVersion, Ticket
from ..periods import period_words
from ..selectors import contract_terms, in_every_language, terms_in_force
from ..terms import TIERS
from ._common import (
    ACTION,
    TicketError,
    display_name,
    hook,
    lock,
    require_staff,
    require_status,
)

NUMBER_PREFIX = "T"
NUMBER_SEQUENCE = "service_tickets_ticket_number_seq"
REPAIR_KINDS = (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE, Ticket.Kind.OTHER)
# A phone call may be recorded a little after it happened, never days later.
MAX_BACKDATE = timedelta(hours=24)


def ticket_open(
    *,
    contract: Contract,
    asset: Asset,
    kind: str,
    description: str,
    by,
    address: Address | None = None,
) -> Ticket:
    """The customer calls for service online from their contract, choosing the unit and problem.

    The clock starts now. Only the contract's own customer may do this, while the contract is
    signed or handed over.
    """
    if not getattr(by, "is_authenticated", False) or contract.customer.user_id != by.pk:
        raise NotAllowed(_("This is not your contract."), code="not_yours")
    if not description.strip():
        raise TicketError(_("Describe the problem."), code="description")
    return _open_on_site(
        contract=contract,
        customer=contract.customer,
        asset=asset,
        kind=kind,
        description=description,
        channel=Ticket.Channel.ONLINE,
        reported_at=timezone.now(),
        address=address,
        by=by,
    )


def ticket_open_by_staff(
    *,
    contract: Contract | None,
    asset: Asset | None,
    kind: str,
    description: str,
    by,
    reported_at: datetime | None = None,
    address: Address | None = None,
    customer: Customer | None = None,
    tier: str | None = None,
) -> Ticket:
    """Staff record a customer's phone call (叫修) as a ticket.

    `reported_at` is when the call came in (default now; up to 24 h back, never ahead). With a
    contract, the site and tier come from it; without one, pass the customer, their address and
    the tier: the published terms in force are used and the rental counts as one day.
    """
    require_staff(by)
    now = timezone.now()
    reported_at = reported_at or now
    if reported_at > now + timedelta(minutes=1) or reported_at < now - MAX_BACKDATE:
        raise TicketError(
            _("The time of the call must be within the last 24 hours."), code="reported_at"
        )
    if contract is None and customer is None:
        raise TicketError(_("Choose the contract or the customer."), code="customer")
    return _open_on_site(
        contract=contract,
        customer=contract.customer if contract else customer,
        asset=asset,
        kind=kind,
        description=description,
        channel=Ticket.Channel.PHONE,
        reported_at=reported_at,
        address=address,
        tier=tier,
        by=by,
    )


def workshop_receive(
    *, contract: Contract, asset: Asset, kind: str, description: str, by
) -> Ticket:
    """The customer brings a unit to our tech department (basic tier's own path): received.

    No response deadline applies; the repair is free unless the contract makes an item
    chargeable, which staff enter when the unit is collected.
    """
    require_staff(by)
    _check_contract(contract)
    _check_unit(contract, asset)
    if kind not in (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE):
        raise TicketError(_("Choose hardware or software."), code="kind")
    address = contract.address
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_number(NUMBER_PREFIX, NUMBER_SEQUENCE),
            contract=contract,
            customer=contract.customer,
            asset=asset,
            kind=kind,
            path=Ticket.Path.WORKSHOP,
            channel=Ticket.Channel.COUNTER,
            description=description,
            tier=contract.tier,
            zone=address.zone if address else "base",
            distance_km=address.distance_km if address else 0,
            reported_at=now,
            status=Ticket.Status.RECEIVED,
            deadline_explanation=in_every_language(
                lambda: _("Repair at our tech department: no response deadline applies.")
            ),
            opened_by=by,
        )
        audit.record(by, ACTION + "received", ticket, contract=contract.number)
    return ticket


def trip_schedule(
    *,
    contract: Contract,
    kind: str,
    scheduled_for: datetime,
    by,
    address: Address | None = None,
    units: list[Asset] | None = None,
    note: str = "",
) -> Ticket:
    """Schedule a delivery or pickup trip for a contract; its time is its deadline and its fee is
    the contract's `delivery_fee`, charged when the driver closes it."""
    require_staff(by)
    _check_contract(contract)
    if kind not in Ticket.TRIP_KINDS:
        raise TicketError(_("Choose delivery or pickup."), code="kind")
    if scheduled_for <= timezone.now():
        raise TicketError(_("Schedule the trip in the future."), code="scheduled_for")
    address = _site(contract, contract.customer, address)
    if units is None:  # the whole contract: its units need no check
        units = [u.asset for u in contract.units.select_related("asset")]
    else:
        units = list(units)
        on_contract = set(contract.units.values_list("asset_id", flat=True))
        if any(unit.pk not in on_contract for unit in units):
            raise TicketError(_("That unit is not on this contract."), code="asset")
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_number(NUMBER_PREFIX, NUMBER_SEQUENCE),
            contract=contract,
            customer=contract.customer,
            kind=kind,
            channel=Ticket.Channel.SCHEDULED,
            description=note,
            tier=contract.tier,
            **_site_fields(address),
            reported_at=now,
            scheduled_for=scheduled_for,
            deadline=scheduled_for,
            deadline_source=Ticket.DeadlineSource.SCHEDULED,
            deadline_explanation=in_every_language(
                lambda: sla.explain_trip_deadline(kind=kind, scheduled_for=scheduled_for)
            ),
            at_risk_from=sla.at_risk_from(
                reported_at=now, deadline=scheduled_for, fraction=_fraction(), trip=True
            ),
            opened_by=by,
        )
        ticket.units_worked.set(units)
        audit.record(by, ACTION + "trip_scheduled", ticket, kind=kind, scheduled_for=scheduled_for)
    return ticket


def ticket_set_deadline(*, ticket: Ticket, deadline: datetime, by) -> Ticket:
    """Staff set the deadline by hand where the terms give none ("negotiated", "none").

    Allowed before a technician arrives and before the ticket is late; a deadline the terms gave
    cannot be changed. The at-risk time follows the new deadline.
    """
    require_staff(by)
    with transaction.atomic():
        ticket = lock(ticket)
        require_status(ticket, ticket.can_set_deadline() and ticket.breached_at is None)
        now = timezone.now()
        if deadline <= now:
            raise TicketError(_("The deadline must be in the future."), code="deadline")
        name = display_name(by)
        reported_at = ticket.reported_at
        ticket.deadline = deadline
        ticket.deadline_source = Ticket.DeadlineSource.MANUAL
        ticket.deadline_explanation = in_every_language(
            lambda: sla.explain_manual_deadline(deadline=deadline, reported_at=reported_at, by=name)
        )
        ticket.at_risk_from = sla.at_risk_from(
            reported_at=reported_at, deadline=deadline, fraction=_fraction()
        )
        if ticket.at_risk_from > now:
            ticket.at_risk_at = None
        ticket.save(
            update_fields=[
                "deadline",
                "deadline_source",
                "deadline_explanation",
                "at_risk_from",
                "at_risk_at",
            ]
        )
        audit.record(by, ACTION + "deadline_set", ticket, deadline=deadline)
    return ticket


# --- helpers ---------------------------------------------------------------------------------


def _open_on_site(
    *,
    contract: Contract | None,
    customer: Customer,
    asset: Asset | None,
    kind: str,
    description: str,
    channel: str,
    reported_at: datetime,
    address: Address | None,
    by,
    tier: str | None = None,
) -> Ticket:
    if kind not in REPAIR_KINDS:
        raise TicketError(_("Choose what kind of problem it is."), code="kind")
    terms_version = None
    if contract is not None:
        _check_contract(contract)
        if asset is not None:
            _check_unit(contract, asset)
        elif contract.units.exists():
            raise TicketError(_("Choose the unit with the problem."), code="asset")
        terms = contract_terms(contract)
        tier = contract.tier
        days = sla.rental_days(start=contract.starts_at, end=contract.ends_at)
    else:
        if tier not in TIERS:
            raise TicketError(_("Choose a service tier."), code="tier")
        latest = TermsVersion.objects.filter(effective_from__lte=reported_at).first()
        terms_version = latest.version if latest else None
        terms = terms_in_force(at=reported_at)
        days = 1
    address = _site(contract, customer, address)
    deadline = sla.response_deadline(
        tier=tier, zone=address.zone, reported_at=reported_at, rental_days=days, terms=terms
    )

    def explain() -> str:
        # Under each language in turn (in_every_language): the period is worded in it too.
        period = period_words(start=contract.starts_at, end=contract.ends_at) if contract else ""
        return sla.explain_response_deadline(
            tier=tier,
            zone=address.zone,
            reported_at=reported_at,
            rental_days=days,
            terms=terms,
            period_text=period,
        )

    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_number(NUMBER_PREFIX, NUMBER_SEQUENCE),
            contract=contract,
            customer=customer,
            asset=asset,
            kind=kind,
            channel=channel,
            description=description.strip(),
            tier=tier,
            **_site_fields(address),
            rental_days=days,
            terms_version=terms_version,
            reported_at=reported_at,
            deadline=deadline,
            deadline_source=(
                Ticket.DeadlineSource.AUTOMATIC if deadline else Ticket.DeadlineSource.NONE
            ),
            deadline_explanation=in_every_language(explain),
            at_risk_from=(
                sla.at_risk_from(reported_at=reported_at, deadline=deadline, fraction=_fraction())
                if deadline
                else None
            ),
            opened_by=by,
        )
        audit.record(
            by,
            ACTION + "opened",
            ticket,
            channel=channel,
            contract=contract.number if contract else None,
            deadline=deadline,
        )
        webhooks.emit(event="ticket.opened", payload=hook(ticket, channel=channel))
    return ticket


def _check_contract(contract: Contract) -> None:
    if not contract.can_call_for_service():
        raise TicketError(
            _("Service can be called only on a signed or handed-over contract."),
            code="contract_status",
        )


def _check_unit(contract: Contract, asset: Asset) -> None:
    if not contract.units.filter(asset=asset).exists():
        raise TicketError(_("That unit is not on this contract."), code="asset")


def _site(contract: Contract | None, customer: Customer, address: Address | None) -> Address:
    address = address or (contract.address if contract else None)
    if address is None:
        raise TicketError(_("Choose the address where the technician should go."), code="address")
    if address.customer_id != customer.pk:
        raise TicketError(_("That address is not the customer's."), code="address")
    return address


def _site_fields(address: Address) -> dict:
    return {
        "zone": address.zone,
        "distance_km": address.distance_km,
        "site_address": str(address)[:300],
        "contact_name": address.contact_name,
        "contact_phone": address.contact_phone,
    }


def _fraction():
    return policy.current().at_risk_fraction
