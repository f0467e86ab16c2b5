"""Booking the on-site inspection and recording what the customer decided there."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as calendar
from rental import webhooks
from rental.core import audit, policy
from rental.core.errors import ApplicationError
from rental.core.numbering import next_number
from rental.core.state import lock, require, set_status
from rental.core.timeutil import SHANGHAI, local

from .. import notify, selectors
from ..models import Contract, ContractUnit, Inspection, Reservation, ReservationUnit
from ..models.reservations import Fulfilment
from .reservations import inspections_end, reservation_set_status


class InspectionError(ApplicationError):
    pass


def showroom_slots(*, day, now: datetime | None = None) -> list[tuple[datetime, int]]:
    """The showroom's hourly slots on `day` with the places still free in each."""
    now = now or timezone.now()
    rules = policy.current()
    slots = []
    hour = rules.showroom_opens_at.hour
    while hour < rules.showroom_closes_at.hour:
        start = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
        if start > now:
            slots.append((start, rules.inspections_per_hour - _taken(start)))
        hour += 1
    return slots


def _taken(start: datetime) -> int:
    return Inspection.objects.filter(
        place=Inspection.Place.SHOWROOM, starts_at=start, status__in=Inspection.ACTIVE_STATUSES
    ).count()


def _lock_slot(start: datetime) -> None:
    """Serialise bookings of one showroom slot, so its capacity is never exceeded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('showroom-slot'), %s)",
            [int(start.timestamp() // 3600)],
        )


def inspection_book(
    *, reservation: Reservation, place: str, starts_at: datetime | None = None, by
) -> Inspection:
    """Book (or move) the inspection. At the showroom: a free hourly slot before the rental
    starts; at the customer's site: when the goods are delivered, i.e. at the rental's start; at
    our office when the customer collects: at the rental's start, always possible."""
    with transaction.atomic():
        reservation = lock(reservation)
        require(
            reservation,
            reservation.can_book_inspection(),
            message=_("This reservation is no longer open."),
        )
        if place == Inspection.Place.SITE:
            if reservation.fulfilment != Fulfilment.DELIVERY:
                raise InspectionError(
                    _("An inspection at your site needs delivery; choose the showroom instead."),
                    code="place",
                )
            starts_at = reservation.starts_at
        elif place == Inspection.Place.COLLECTION:
            if reservation.fulfilment != Fulfilment.COLLECTION:
                raise InspectionError(
                    _("An inspection on collection needs collection at our office."),
                    code="place",
                )
            starts_at = reservation.starts_at
        elif place == Inspection.Place.SHOWROOM:
            starts_at = _check_showroom_slot(starts_at, reservation)
        else:
            raise InspectionError(_("Choose where you will inspect the equipment."), code="place")
        moved = inspections_end(reservation=reservation, status=Inspection.Status.CANCELLED, by=by)
        inspection = Inspection.objects.create(
            reservation=reservation, place=place, starts_at=starts_at
        )
        reservation_set_status(
            reservation=reservation,
            status=Reservation.Status.INSPECTION_BOOKED,
            by=by,
            event="contracts.inspection.rescheduled" if moved else "contracts.inspection.booked",
            place=place,
            starts_at=starts_at,
        )
        notify.tell_staff(
            "staff.inspection.booked",
            f"inspection:{inspection.pk}:booked",
            customer=reservation.customer,
            context={
                "number": reservation.number,
                "inspection_at": starts_at,
                "place": Inspection.Place(place).label,
            },
        )
        webhooks.emit(
            event="inspection.booked",
            payload={"reservation": reservation.number, "place": place, "starts_at": starts_at},
        )
    return inspection


def inspection_places(reservation: Reservation, *, has_showroom_slots: bool) -> list[str]:
    """The places an inspection of this reservation can actually be booked at, in the order the
    page offers them: the showroom only while a slot is left before the start, then the one that
    goes with the fulfilment (on delivery at the site, or at the counter on collection)."""
    places = [Inspection.Place.SHOWROOM] if has_showroom_slots else []
    if reservation.fulfilment == Fulfilment.DELIVERY:
        places.append(Inspection.Place.SITE)
    else:
        places.append(Inspection.Place.COLLECTION)
    return places


def _check_showroom_slot(starts_at: datetime | None, reservation: Reservation) -> datetime:
    if starts_at is None:
        raise InspectionError(_("Choose a time for the inspection."), code="slot")
    rules = policy.current()
    when = local(starts_at)
    if when.minute or when.second or starts_at.microsecond:
        raise InspectionError(_("Inspections start on the hour."), code="slot")
    if starts_at <= timezone.now():
        raise InspectionError(_("That time has already passed."), code="slot")
    if starts_at >= reservation.starts_at:
        raise InspectionError(_("The inspection must be before the rental starts."), code="slot")
    if not rules.showroom_opens_at <= when.time() < rules.showroom_closes_at:
        raise InspectionError(
            _("The showroom is open from %(opens)s to %(closes)s.")
            % {
                "opens": rules.showroom_opens_at.strftime("%H:%M"),
                "closes": rules.showroom_closes_at.strftime("%H:%M"),
            },
            code="slot",
        )
    _lock_slot(starts_at)
    if _taken(starts_at) >= rules.inspections_per_hour:
        raise InspectionError(
            _("The %(time)s slot is full; please choose another time.")
            % {"time": f"{when:%Y-%m-%d %H:%M}"},
            code="slot_full",
        )
    return starts_at


def inspection_cancel(*, reservation: Reservation, by) -> Reservation:
    """Withdraw the booking; the hold then lasts until its original deadline."""
    with transaction.atomic():
        reservation = lock(reservation)
        require(
            reservation,
            reservation.can_cancel_inspection(),
            message=_("There is no inspection booked."),
        )
        inspections_end(reservation=reservation, status=Inspection.Status.CANCELLED, by=by)
        reservation_set_status(
            reservation=reservation,
            status=Reservation.Status.HELD,
            by=by,
            event="contracts.inspection.cancelled",
        )
    return reservation


def inspection_confirm(*, inspection: Inspection, by) -> Inspection:
    with transaction.atomic():
        inspection = lock(inspection)
        require(
            inspection,
            inspection.can_confirm(),
            message=_("Only a booked inspection can be confirmed."),
        )
        inspection.confirmed_by = by
        set_status(
            inspection,
            Inspection.Status.CONFIRMED,
            by=by,
            event="contracts.inspection.confirmed",
            fields=["confirmed_by"],
        )
    return inspection


def inspection_record_outcome(
    *, reservation: Reservation, accepted_unit_ids: list[int], reason: str = "", by
) -> Contract | None:
    """What the customer decided at the inspection (自愿原则): accept all, some, or none.

    Units not accepted are released at once. Accepted units move, still held, onto a draft
    contract. Declining everything needs a reason.
    """
    with transaction.atomic():
        reservation = lock(reservation)
        require(
            reservation,
            reservation.can_record_outcome(),
            message=_("Book the inspection before recording its outcome."),
        )
        units = list(
            ReservationUnit.objects.select_related("calendar_entry", "line").filter(
                line__reservation=reservation, outcome=ReservationUnit.Outcome.HELD
            )
        )
        held_ids = {u.pk for u in units}
        accepted = set(accepted_unit_ids)
        if not accepted <= held_ids:
            raise InspectionError(_("Some of those units are not held for this reservation."))
        if not accepted and not reason.strip():
            raise InspectionError(_("Give the reason the customer declined."), code="reason")
        released = [u for u in units if u.pk not in accepted]
        calendar.calendar_release(
            entries=[u.calendar_entry for u in released], by=by, reason="declined at inspection"
        )
        ReservationUnit.objects.filter(pk__in=[u.pk for u in released]).update(
            outcome=ReservationUnit.Outcome.RELEASED
        )
        ReservationUnit.objects.filter(pk__in=accepted).update(
            outcome=ReservationUnit.Outcome.ACCEPTED
        )
        inspections_end(reservation=reservation, status=Inspection.Status.DONE, by=by)
        reservation.decline_reason = reason.strip()
        reservation.closed_at = timezone.now()
        reservation_set_status(
            reservation=reservation,
            status=Reservation.Status.ACCEPTED if accepted else Reservation.Status.DECLINED,
            by=by,
            event="contracts.inspection.outcome",
            fields=["decline_reason", "closed_at"],
            accepted=sorted(accepted),
            released=[u.pk for u in released],
            reason=reason,
        )
        contract = _draft_contract(reservation, [u for u in units if u.pk in accepted], by)
    return contract


def _draft_contract(reservation: Reservation, units: list[ReservationUnit], by) -> Contract | None:
    if not units:
        return None
    quote = dict(reservation.quote)
    accepted_per_model: dict[int, int] = {}
    for unit in units:
        accepted_per_model[unit.line.model_id] = accepted_per_model.get(unit.line.model_id, 0) + 1
    quote["accepted"] = {str(k): v for k, v in accepted_per_model.items()}
    contract = Contract.objects.create(
        number=next_number("C", "contracts_contract_number_seq"),
        customer=reservation.customer,
        reservation=reservation,
        starts_at=reservation.starts_at,
        ends_at=reservation.ends_at,
        fulfilment=reservation.fulfilment,
        address=reservation.address,
        zone=reservation.address.zone if reservation.address else "",
        distance_km=reservation.address.distance_km if reservation.address else None,
        tier=reservation.tier,
        quote=quote,
        created_by=by,
    )
    ContractUnit.objects.bulk_create(
        [
            ContractUnit(
                contract=contract,
                model_id=u.line.model_id,
                asset_id=u.asset_id,
                calendar_entry=u.calendar_entry,
                rent=u.line.rent,
            )
            for u in units
        ]
    )
    contract.deposit_waived, contract.deposit_amount = selectors.contract_deposit(contract=contract)
    contract.save(update_fields=["deposit_waived", "deposit_amount"])
    audit.record(by, "contracts.contract.drafted", contract, units=len(units))
    return contract


def inspections_remind_due(*, now: datetime | None = None) -> int:
    """Remind customers of tomorrow's inspections (once each: the notice key is per inspection)."""
    now = now or timezone.now()
    tomorrow = local(now).date() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=SHANGHAI)
    due = Inspection.objects.filter(
        status__in=Inspection.ACTIVE_STATUSES,
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
    ).select_related("reservation__customer__user")
    count = 0
    for inspection in due:
        with transaction.atomic():
            notify.tell(
                "inspection.reminder",
                f"inspection:{inspection.pk}:reminder",
                customer=inspection.reservation.customer,
                staff=False,
                context={
                    "number": inspection.reservation.number,
                    "inspection_at": inspection.starts_at,
                    "place": Inspection.Place(inspection.place).label,
                },
            )
        count += 1
    return count
