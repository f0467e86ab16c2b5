"""Reserving: quote, hold concrete units, cancel, expire.

Holds for every line are placed in one transaction: either all lines get their units or none do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as calendar
from catalog.models import Asset, CalendarEntry, EquipmentModel
from rental.core import audit, policy
from rental.core.errors import ApplicationError
from rental.core.numbering import next_number
from rental.core.timeutil import local
from service_tickets.terms import TIERS

from .. import notify, selectors
from ..models import Address, Customer, Inspection, Reservation, ReservationLine, ReservationUnit
from ..models.reservations import Fulfilment
from ..quotes import LineInput, Quote, build_quote

BATCH = 200
MAX_LINES = 20


class ReservationError(ApplicationError):
    pass


@dataclass(frozen=True)
class ReservationItem:
    model: EquipmentModel
    quantity: int


def _check_request(
    *,
    customer: Customer,
    items: list[ReservationItem],
    starts_at: datetime,
    ends_at: datetime,
    fulfilment: str,
    address: Address | None,
    tier: str,
) -> None:
    now = timezone.now()
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ReservationError(_("Times must include a time zone."))
    if ends_at <= starts_at:
        raise ReservationError(_("The end of the rental must be after its start."), code="period")
    if starts_at < now:
        raise ReservationError(_("The rental cannot start in the past."), code="past")
    if local(starts_at).minute or local(ends_at).minute or starts_at.second or ends_at.second:
        raise ReservationError(_("Rentals start and end on the hour."), code="period")
    if not items:
        raise ReservationError(_("Choose at least one model."), code="items")
    if len(items) > MAX_LINES:
        raise ReservationError(_("At most %(n)s models per reservation.") % {"n": MAX_LINES})
    seen = set()
    for item in items:
        if item.quantity < 1:
            raise ReservationError(
                _("The quantity of %(model)s must be at least 1.") % {"model": item.model},
                code="quantity",
            )
        if item.model.pk in seen:
            raise ReservationError(
                _("%(model)s is listed twice; give one line with the total quantity.")
                % {"model": item.model},
                code="items",
            )
        seen.add(item.model.pk)
        if not item.model.is_active:
            raise ReservationError(
                _("%(model)s is no longer offered for rent.") % {"model": item.model}
            )
        stock = item.model.assets.filter(service_status=Asset.ServiceStatus.IN_SERVICE).count()
        if item.quantity > stock:
            raise ReservationError(
                _("We have only %(stock)s units of %(model)s in all.")
                % {"stock": stock, "model": item.model},
                code="quantity",
            )
    if tier not in TIERS:
        raise ReservationError(_("Choose a service tier."), code="tier")
    if fulfilment not in Fulfilment.values:
        raise ReservationError(_("Choose delivery or collection."), code="fulfilment")
    if fulfilment == Fulfilment.DELIVERY:
        if address is None:
            raise ReservationError(_("Choose the delivery address."), code="address")
        if address.customer_id != customer.pk or not address.is_active:
            raise ReservationError(_("That address is not one of yours."), code="address")


def reservation_quote(
    *,
    customer: Customer,
    items: list[ReservationItem],
    starts_at: datetime,
    ends_at: datetime,
    fulfilment: str,
    address: Address | None,
    tier: str,
) -> Quote:
    """Check the request and price it, holding nothing."""
    _check_request(
        customer=customer,
        items=items,
        starts_at=starts_at,
        ends_at=ends_at,
        fulfilment=fulfilment,
        address=address,
        tier=tier,
    )
    delivery = fulfilment == Fulfilment.DELIVERY
    return build_quote(
        lines=[
            LineInput(
                model_id=item.model.pk,
                name=str(item.model),
                quantity=item.quantity,
                hour=item.model.hour_rate,
                day=item.model.day_rate,
                week=item.model.week_rate,
                month=item.model.month_rate,
                replacement_value=item.model.replacement_value,
                deposit_amount=item.model.deposit_amount,
            )
            for item in items
        ],
        starts_at=starts_at,
        ends_at=ends_at,
        tier=tier,
        delivery=delivery,
        zone=address.zone if delivery else None,
        distance_km=address.distance_km if delivery else None,
        waiver=selectors.customer_waiver(customer=customer, on=local(timezone.now()).date()),
        deposit_rate=policy.current().deposit_rate,
    )


def reservation_create(
    *,
    customer: Customer,
    items: list[ReservationItem],
    starts_at: datetime,
    ends_at: datetime,
    fulfilment: str,
    address: Address | None,
    tier: str,
    by=None,
) -> Reservation:
    """Quote the request and hold concrete units for every line, all or nothing."""
    quote = reservation_quote(
        customer=customer,
        items=items,
        starts_at=starts_at,
        ends_at=ends_at,
        fulfilment=fulfilment,
        address=address,
        tier=tier,
    )
    now = timezone.now()
    with transaction.atomic():
        reservation = Reservation.objects.create(
            number=next_number("R", "contracts_reservation_number_seq"),
            customer=customer,
            starts_at=starts_at,
            ends_at=ends_at,
            fulfilment=fulfilment,
            address=address if fulfilment == Fulfilment.DELIVERY else None,
            tier=tier,
            quote=quote.to_dict(),
            hold_expires_at=now + timedelta(hours=policy.current().hold_expiry_hours),
            created_by=by,
        )
        for item, priced in zip(items, quote.lines, strict=True):
            line = ReservationLine.objects.create(
                reservation=reservation,
                model=item.model,
                quantity=item.quantity,
                rent=priced.rent_per_unit,
            )
            entries = calendar.calendar_place(
                model=item.model,
                quantity=item.quantity,
                starts_at=starts_at,
                ends_at=ends_at,
                kind=CalendarEntry.Kind.HOLD,
                by=by,
                note=reservation.number,
            )
            ReservationUnit.objects.bulk_create(
                [ReservationUnit(line=line, asset_id=e.asset_id, calendar_entry=e) for e in entries]
            )
        audit.record(by, "contracts.reservation.created", reservation, total=quote.total)
        notify.tell(
            "reservation.confirmed",
            f"reservation:{reservation.pk}:confirmed",
            customer=customer,
            context=_notice_context(reservation),
        )
    return reservation


def _notice_context(reservation: Reservation) -> dict:
    return {
        "number": reservation.number,
        "items": [
            {"name": line["name"], "quantity": line["quantity"]}
            for line in reservation.quote["lines"]
        ],
        "start": reservation.starts_at,
        "end": reservation.ends_at,
        "inspection_deadline": reservation.hold_expires_at,
    }


def _release_all(reservation: Reservation, *, by, reason: str) -> None:
    units = ReservationUnit.objects.filter(
        line__reservation=reservation, outcome=ReservationUnit.Outcome.HELD
    )
    calendar.calendar_release(
        entries=[u.calendar_entry for u in units.select_related("calendar_entry")],
        by=by,
        reason=reason,
    )
    units.update(outcome=ReservationUnit.Outcome.RELEASED)


def _close(reservation: Reservation, status: Reservation.Status, *, by, reason: str = "") -> None:
    _release_all(reservation, by=by, reason=status)
    reservation.inspections.filter(status__in=Inspection.ACTIVE_STATUSES).update(
        status=Inspection.Status.MISSED
        if status == Reservation.Status.EXPIRED
        else Inspection.Status.CANCELLED
    )
    reservation.status = status
    reservation.closed_at = timezone.now()
    reservation.decline_reason = reason or reservation.decline_reason
    reservation.save(update_fields=["status", "closed_at", "decline_reason"])


def reservation_cancel(*, reservation: Reservation, by, reason: str = "") -> Reservation:
    """The customer (or staff for them) withdraws; every held unit is free again at once."""
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if not reservation.can_cancel():
            raise ReservationError(_("This reservation can no longer be cancelled."))
        _close(reservation, Reservation.Status.CANCELLED, by=by, reason=reason)
        audit.record(by, "contracts.reservation.cancelled", reservation, reason=reason)
        notify.tell(
            "reservation.cancelled",
            f"reservation:{reservation.pk}:cancelled",
            customer=reservation.customer,
            context=_notice_context(reservation),
        )
    return reservation


def reservation_expire(*, reservation_id: int, now: datetime | None = None) -> bool:
    """Expire one reservation if it is (still) due; False if someone else got there first."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(skip_locked=True)
            .filter(pk=reservation_id, status__in=Reservation.OPEN_STATUSES)
            .first()
        )
        if reservation is None or not _is_due(reservation, now):
            return False
        _close(reservation, Reservation.Status.EXPIRED, by=None)
        audit.record(None, "contracts.reservation.expired", reservation)
        notify.tell(
            "reservation.expired",
            f"reservation:{reservation.pk}:expired",
            customer=reservation.customer,
            context=_notice_context(reservation),
        )
    return True


def _is_due(reservation: Reservation, now: datetime) -> bool:
    inspection = selectors.active_inspection(reservation)
    if inspection is None:
        return reservation.hold_expires_at <= now
    grace = timedelta(minutes=policy.current().no_show_grace_minutes)
    return inspection.starts_at + grace <= now


def _due_ids(now: datetime) -> list[int]:
    grace = timedelta(minutes=policy.current().no_show_grace_minutes)
    unbooked = Reservation.objects.filter(
        status=Reservation.Status.HELD, hold_expires_at__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    missed = Inspection.objects.filter(
        status__in=Inspection.ACTIVE_STATUSES,
        starts_at__lte=now - grace,
        reservation__status=Reservation.Status.INSPECTION_BOOKED,
    ).values_list("reservation_id", flat=True)[:BATCH]
    return sorted(set(unbooked) | set(missed))


def reservations_expire_due(*, now: datetime | None = None) -> int:
    """The sweep: expire every hold past its deadline and every missed inspection, in batches.

    Each reservation is expired in its own short transaction under a SKIP LOCKED row lock, so two
    sweeps running at once share the work instead of doing it twice, and a second run finds
    nothing left to do.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        ids = _due_ids(now)
        done = sum(reservation_expire(reservation_id=pk, now=now) for pk in ids)
        expired += done
        if len(ids) < BATCH or done == 0:
            return expired
