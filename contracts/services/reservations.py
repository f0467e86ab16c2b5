"""Reserving: quote, hold concrete units, cancel, expire.

Holds for every line are placed in one transaction: either all lines get their units or none do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as calendar
from catalog.models import Asset, CalendarEntry, EquipmentModel
from catalog.pricing import rental_period_problem
from rental import webhooks
from rental.core import audit, policy
from rental.core.errors import ApplicationError
from rental.core.numbering import next_number
from rental.core.policy import check_rental_length
from rental.core.state import lock, require, set_status
from rental.core.timeutil import local
from service_tickets.selectors import policy_and_terms_in_force
from service_tickets.terms import TIERS

from .. import notify, selectors
from ..models import Address, Customer, Inspection, Reservation, ReservationLine, ReservationUnit
from ..models.reservations import Fulfilment
from ..quotes import MAX_LINES, LineInput, Quote, build_quote

BATCH = 200
ACTION = "contracts.reservation."
ANNOUNCE_TASK = "contracts.announce_new_reservations"
# New reservations are announced together, a window at a time: the first one committed in a
# window sends the task, due when the window has closed (plus a margin for the clocks of the
# cache and the worker); those committed later in the window find the task on its way. One cache
# write instead of a broker message per reservation (README, "Performance"), and one task per window
# for the worker. Tells the customer within about two seconds.
ANNOUNCE_WINDOW_SECONDS = 1
ANNOUNCE_MARGIN_SECONDS = 0.5
ANNOUNCE_WINDOW_KEY = "contracts:announce-window"
# How long new reservations have before the minute sweep does the task's work (its message lost).
ANNOUNCE_GRACE = timedelta(minutes=1)


class ReservationError(ApplicationError):
    pass


@dataclass(frozen=True)
class ReservationItem:
    model: EquipmentModel
    quantity: int


@dataclass(frozen=True)
class ReservationRequest:
    """What a customer (or staff for them) asks for: the quote prices it, the holds place it.
    A public quote (a partner's website) has no customer and an address not kept
    (`customers.quote_site`)."""

    customer: Customer | None
    items: tuple[ReservationItem, ...]
    starts_at: datetime
    ends_at: datetime
    fulfilment: str
    address: Address | None
    tier: str

    @property
    def delivery(self) -> bool:
        return self.fulfilment == Fulfilment.DELIVERY


def _check_request(request: ReservationRequest, *, now: datetime, house) -> None:
    problem = rental_period_problem(starts_at=request.starts_at, ends_at=request.ends_at, now=now)
    if problem is not None:
        raise ReservationError(problem.message, code=problem.code)
    check_rental_length(starts_at=request.starts_at, ends_at=request.ends_at, policy=house)
    items = request.items
    if not items:
        raise ReservationError(_("Choose at least one model."), code="items")
    if len(items) > MAX_LINES:
        raise ReservationError(
            _("At most %(n)s models per reservation.") % {"n": MAX_LINES}, code="items"
        )
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
    stock = _stock([item.model for item in items])
    for item in items:
        if item.quantity > stock.get(item.model.pk, 0):
            raise ReservationError(
                _("We have only %(stock)s units of %(model)s in all.")
                % {"stock": stock.get(item.model.pk, 0), "model": item.model},
                code="quantity",
            )
    if request.tier not in TIERS:
        raise ReservationError(_("Choose a service tier."), code="tier")
    if request.fulfilment not in Fulfilment.values:
        raise ReservationError(_("Choose delivery or collection."), code="fulfilment")
    if request.delivery:
        address = request.address
        if address is None:
            raise ReservationError(_("Choose the delivery address."), code="address")
        owner = request.customer.pk if request.customer else None
        if address.customer_id != owner or not address.is_active:
            raise ReservationError(_("That address is not one of yours."), code="address")


def _stock(models: list[EquipmentModel]) -> dict[int, int]:
    """Units in service per model: as the reservation form read them with the models
    (`units_in_service`), else in one query."""
    if all(hasattr(model, "units_in_service") for model in models):
        return {model.pk: model.units_in_service for model in models}
    rows = (
        Asset.objects.filter(
            model_id__in=[m.pk for m in models], service_status=Asset.ServiceStatus.IN_SERVICE
        )
        .values("model_id")
        .annotate(n=Count("pk"))
    )
    return {row["model_id"]: row["n"] for row in rows}


def reservation_quote(*, request: ReservationRequest) -> Quote:
    """Check the request and price it from what is in force now (DOMAIN.md "What is frozen,
    and when": the latest terms version, today's rate cards and policy), holding nothing."""
    now = timezone.now()
    house, terms = policy_and_terms_in_force(at=now)
    return _quote(request, now=now, house=house, terms=terms)


def _quote(request: ReservationRequest, *, now: datetime, house, terms) -> Quote:
    _check_request(request, now=now, house=house)
    delivery = request.delivery
    address = request.address
    return build_quote(
        lines=[
            LineInput(
                model_id=item.model.pk,
                name=str(item.model),
                quantity=item.quantity,
                card=item.model.rate_card(),
                replacement_value=item.model.replacement_value,
                deposit_amount=item.model.deposit_amount,
            )
            for item in request.items
        ],
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        tier=request.tier,
        delivery=delivery,
        zone=address.zone if delivery else None,
        distance_km=address.distance_km if delivery else None,
        waiver=selectors.customer_waiver(customer=request.customer, on=local(now).date()),
        deposit_rate=house.deposit_rate,
        terms=terms,
    )


def reservation_create(*, request: ReservationRequest, by=None) -> Reservation:
    """Quote the request and hold concrete units for every line, all or nothing.

    A fixed number of queries whatever the number of lines (tests/contracts/
    test_reservation_queries.py): the policy read once; the units of every line locked and held
    by one statement, before anything else is written, so a refusal (the units are taken)
    writes nothing; then the reservation with its lines and units by one statement, the audit
    events by one INSERT. The customer and the front desk are told by the worker
    (`reservation_announce`) once the transaction commits (`_announce_soon`)."""
    now = timezone.now()
    house, terms = policy_and_terms_in_force(at=now)
    quote = _quote(request, now=now, house=house, terms=terms)
    with transaction.atomic(), audit.batch():
        number = next_number("R", "contracts_reservation_number_seq")
        placed = calendar.calendar_place_many(
            wanted=[(item.model, item.quantity) for item in request.items],
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            kind=CalendarEntry.Kind.HOLD,
            buffer=house.turnaround_buffer,
            by=by,
            note=number,
        )
        reservation = Reservation(
            number=number,
            customer=request.customer,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            fulfilment=request.fulfilment,
            address=request.address if request.delivery else None,
            tier=request.tier,
            quote=quote.to_dict(),
            hold_expires_at=now + timedelta(hours=house.hold_expiry_hours),
            created_by=by if getattr(by, "pk", None) else None,
        )
        _insert_with_lines(reservation, request.items, quote, placed)
        audit.record(by, ACTION + "created", reservation, total=quote.total)
        webhooks.emit(event="reservation.created", payload=_hook(reservation, total=quote.total))
        transaction.on_commit(_announce_soon)
    return reservation


def _announce_soon() -> None:
    """Make sure an announcing task runs after this moment (see ANNOUNCE_WINDOW_SECONDS)."""
    if cache.add(ANNOUNCE_WINDOW_KEY, 1, timeout=ANNOUNCE_WINDOW_SECONDS):
        current_app.send_task(
            ANNOUNCE_TASK, countdown=ANNOUNCE_WINDOW_SECONDS + ANNOUNCE_MARGIN_SECONDS
        )


def reservation_announce(*, reservation_id: int) -> bool:
    """Tell the customer and the front desk of a new reservation, once; the worker's part of
    `reservation_create` (the task it enqueues, and `reservations_announce_due` for a task lost
    between the commit and the broker).

    The reservation page does not wait for the notices: rendering them in every recipient's
    language and recording them cost a quarter to a third of its CPU (README, Performance). A
    reservation closed before it was announced (cancelled at once, or expired while the workers
    were down) is marked announced and told nothing: its closing notice says what matters, and a
    "confirmed" arriving after a "cancelled" would only confuse. False if there was nothing to do
    (already announced, or being announced by another worker)."""
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer__user")
            .filter(pk=reservation_id, announced_at__isnull=True)
            .first()
        )
        if reservation is None:
            return False
        if reservation.is_open:
            notify.tell(
                "reservation.confirmed",
                f"reservation:{reservation.pk}:confirmed",
                customer=reservation.customer,
                context=_notice_context(reservation),
            )
        reservation.announced_at = timezone.now()
        reservation.save(update_fields=["announced_at"])
    return True


def reservations_announce_due(
    *, now: datetime | None = None, grace: timedelta = ANNOUNCE_GRACE
) -> int:
    """Announce the reservations not yet announced. The window's task (`_announce_soon`) takes
    them all (no grace); the minute sweep, its safety net for a task that never ran (the broker
    unreachable at the commit, the process dead in between), leaves those younger than
    `ANNOUNCE_GRACE` to their window's task."""
    now = now or timezone.now()
    unannounced = Reservation.objects.filter(
        announced_at__isnull=True, created_at__lte=now - grace
    ).order_by("created_at")
    return _in_batches(
        lambda: list(unannounced.values_list("pk", flat=True)[:BATCH]),
        lambda pk: reservation_announce(reservation_id=pk),
    )


def _in_batches(due, handle) -> int:
    """A sweep's loop: `handle` each id `due()` lists, a batch at a time, until a batch comes
    back short or none of it could be handled (other sweeps hold the rest). Returns how many
    were handled."""
    handled = 0
    while True:
        ids = due()
        done = sum(handle(pk) for pk in ids)
        handled += done
        if len(ids) < BATCH or done == 0:
            return handled


# The reservation, its lines in the order asked and each line's held units, in one statement.
_INSERT_WITH_LINES = """
    WITH reservation AS (
        INSERT INTO {reservation} (number, customer_id, status, starts_at, ends_at, fulfilment,
                                   address_id, tier, quote, hold_expires_at, decline_reason,
                                   created_by_id, created_at)
        VALUES (%(number)s, %(customer)s, %(status)s, %(starts_at)s, %(ends_at)s, %(fulfilment)s,
                %(address)s, %(tier)s, %(quote)s::jsonb, %(hold_expires_at)s, '',
                %(created_by)s, %(now)s)
        RETURNING id
    ), line AS (
        INSERT INTO {line} (reservation_id, model_id, quantity, rent)
        SELECT (SELECT id FROM reservation), w.model_id, w.quantity, w.rent
        FROM unnest(%(models)s::bigint[], %(quantities)s::int[], %(rents)s::numeric[])
            WITH ORDINALITY AS w(model_id, quantity, rent, n)
        ORDER BY w.n
        RETURNING id, model_id
    ), unit AS (
        INSERT INTO {unit} (line_id, asset_id, calendar_entry_id, outcome)
        SELECT line.id, u.asset_id, u.entry_id, %(held)s
        FROM line
        JOIN unnest(%(unit_models)s::bigint[], %(assets)s::bigint[], %(entries)s::bigint[])
            AS u(model_id, asset_id, entry_id) USING (model_id)
    )
    SELECT id FROM reservation
"""


def _insert_with_lines(reservation: Reservation, items, quote: Quote, placed: dict) -> None:
    """Insert `reservation` (its pk and creation time set here) with its lines and their held
    units: one statement for any number of lines (one line per model, so a unit finds its line
    by its model)."""
    held = [(model_id, e.asset_id, e.pk) for model_id, entries in placed.items() for e in entries]
    reservation.created_at = timezone.now()
    quote_field = Reservation._meta.get_field("quote")
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_WITH_LINES.format(
                reservation=connection.ops.quote_name(Reservation._meta.db_table),
                line=connection.ops.quote_name(ReservationLine._meta.db_table),
                unit=connection.ops.quote_name(ReservationUnit._meta.db_table),
            ),
            {
                "number": reservation.number,
                "customer": reservation.customer_id,
                "status": reservation.status,
                "starts_at": reservation.starts_at,
                "ends_at": reservation.ends_at,
                "fulfilment": reservation.fulfilment,
                "address": reservation.address_id,
                "tier": reservation.tier,
                "quote": quote_field.get_db_prep_value(reservation.quote, connection),
                "hold_expires_at": reservation.hold_expires_at,
                "created_by": reservation.created_by_id,
                "now": reservation.created_at,
                "models": [item.model.pk for item in items],
                "quantities": [item.quantity for item in items],
                "rents": [priced.rent_per_unit for priced in quote.lines],
                "held": ReservationUnit.Outcome.HELD.value,
                "unit_models": [h[0] for h in held],
                "assets": [h[1] for h in held],
                "entries": [h[2] for h in held],
            },
        )
        (reservation.pk,) = cursor.fetchone()
    reservation._state.adding = False
    reservation._state.db = connection.alias


def _hook(reservation: Reservation, **extra) -> dict:
    """What a webhook receiver hears about a reservation: facts, no sentences."""
    return {
        "number": reservation.number,
        "status": reservation.status,
        "customer": reservation.customer_id,
        "starts_at": reservation.starts_at,
        "ends_at": reservation.ends_at,
        **extra,
    }


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


def _close(
    reservation: Reservation, status: Reservation.Status, *, by, event: str, reason: str = ""
) -> None:
    _release_all(reservation, by=by, reason=status)
    inspections_end(
        reservation=reservation,
        status=Inspection.Status.MISSED
        if status == Reservation.Status.EXPIRED
        else Inspection.Status.CANCELLED,
        by=by,
    )
    reservation.closed_at = timezone.now()
    reservation.decline_reason = reason or reservation.decline_reason
    reservation_set_status(
        reservation=reservation,
        status=status,
        by=by,
        event=event,
        fields=["closed_at", "decline_reason"],
        reason=reason,
    )


def reservation_set_status(
    *, reservation: Reservation, status: str, by, event: str, fields=(), **data
) -> Reservation:
    """The one place a reservation's status moves (the row is already locked by the caller)."""
    return set_status(reservation, status, by=by, event=event, fields=fields, **data)


def inspections_end(*, reservation: Reservation, status: str, by) -> int:
    """End the reservation's active inspections (moved, cancelled, missed or done), each with
    its own audit event."""
    ended = 0
    for inspection in reservation.inspections.filter(status__in=Inspection.ACTIVE_STATUSES):
        set_status(inspection, status, by=by, event="contracts.inspection." + status)
        ended += 1
    return ended


def reservation_cancel(*, reservation: Reservation, by, reason: str = "") -> Reservation:
    """The customer (or staff for them) withdraws; every held unit is free again at once."""
    with transaction.atomic():
        reservation = lock(reservation)
        require(
            reservation,
            reservation.can_cancel(),
            message=_("This reservation can no longer be cancelled."),
        )
        _close(
            reservation,
            Reservation.Status.CANCELLED,
            by=by,
            event=ACTION + "cancelled",
            reason=reason,
        )
        webhooks.emit(event="reservation.cancelled", payload=_hook(reservation))
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
        _close(reservation, Reservation.Status.EXPIRED, by=None, event=ACTION + "expired")
        webhooks.emit(event="reservation.expired", payload=_hook(reservation))
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
    return _in_batches(
        lambda: _due_ids(now), lambda pk: reservation_expire(reservation_id=pk, now=now)
    )
