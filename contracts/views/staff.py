"""The front desk's pages: reservation board, phone bookings, the day's inspections, outcomes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.flash import attempt, form_errors
from rental.core.params import parse_day
from rental.core.permissions import staff_required
from rental.core.phones import phone_search_digits
from rental.core.redirects import redirect_next
from rental.core.timeutil import SHANGHAI

from .. import selectors, services
from ..forms import AddressForm, CancelReasonForm, CustomerProfileForm, OutcomeForm
from ..models import Customer, Inspection, Reservation, ReservationUnit
from .customer import inspection_page, quote_fragment, reservation_form_page


def _day(request: HttpRequest):
    return parse_day(request.GET.get("day")) or timezone.now().astimezone(SHANGHAI).date()


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    """Reservations starting on a day, by status, with the day's inspections beside them."""
    day = _day(request)
    start, end = _day_bounds(day)
    status = request.GET.get("status", "")
    reservations = (
        Reservation.objects.filter(
            Q(starts_at__gte=start, starts_at__lt=end)
            | Q(created_at__gte=start, created_at__lt=end)
        )
        .select_related("customer")
        .prefetch_related("lines__model__brand")
        .order_by("starts_at")
    )
    counts = dict(reservations.order_by().values_list("status").annotate(n=Count("id")))
    if status:
        reservations = reservations.filter(status=status)
    inspections = (
        Inspection.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Inspection.Status.CANCELLED)
        .select_related("reservation__customer")
        .order_by("starts_at")
    )
    return render(
        request,
        "contracts/staff/board.html",
        {
            "day": day,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "status": status,
            "statuses": [(s, label, counts.get(s, 0)) for s, label in Reservation.Status.choices],
            "reservations": reservations,
            "inspections": inspections,
        },
    )


@staff_required
def phone_booking(request: HttpRequest) -> HttpResponse:
    """Step 1: find the caller, or register them."""
    query = request.GET.get("q", "").strip()
    customers = Customer.objects.none()
    if query:
        match = Q(name__icontains=query) | Q(contact_person__icontains=query)
        if digits := phone_search_digits(query):
            match |= Q(phone__contains=digits)
        customers = Customer.objects.filter(match)[:20]
    form = CustomerProfileForm(request.POST or None, initial={"kind": "company"})
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contracts:staff_booking_for", customer_id=customer.pk)
    return render(
        request,
        "contracts/staff/phone_booking.html",
        {"query": query, "customers": customers, "form": form},
    )


@staff_required
def booking_for(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Step 2: the same reservation form the customer uses, filled in by staff."""
    customer = get_object_or_404(Customer, pk=customer_id)
    if request.method == "POST" and request.POST.get("form") == "address":
        address_form = AddressForm(request.POST)
        if address_form.is_valid():
            try:
                services.address_add(
                    customer=customer, by=request.user, **address_form.cleaned_data
                )
            except ApplicationError as exc:
                address_form.add_error(None, str(exc))
            else:
                messages.success(request, _("Address added."))
                return redirect("contracts:staff_booking_for", customer_id=customer.pk)
        # The address form again, with its errors and what was typed; the reservation form fresh.
        return reservation_form_page(
            request,
            customer=customer,
            template="contracts/staff/booking_form.html",
            done=None,
            extra={"address_form": address_form, "address_error": True},
            bound=False,
        )
    return reservation_form_page(
        request,
        customer=customer,
        template="contracts/staff/booking_form.html",
        done=lambda r: redirect("contracts:staff_reservation", number=r.number),
        extra={"address_form": AddressForm()},
    )


@staff_required
@require_POST
def booking_quote(request: HttpRequest, customer_id: int) -> HttpResponse:
    return quote_fragment(request, get_object_or_404(Customer, pk=customer_id))


def _reservation(number: str) -> Reservation:
    return get_object_or_404(selectors.reservation_detail(number=number))


@staff_required
def reservation(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _reservation(number)
    held = ReservationUnit.objects.filter(
        line__reservation=reservation, outcome=ReservationUnit.Outcome.HELD
    ).select_related("asset", "line__model__brand")
    form = OutcomeForm(request.POST or None, units=held)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.inspection_record_outcome(
                reservation=reservation,
                accepted_unit_ids=[int(pk) for pk in form.cleaned_data["accepted"]],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            if contract:
                messages.success(
                    request,
                    _("Outcome recorded; draft contract %(number)s created.")
                    % {"number": contract.number},
                )
            else:
                messages.success(request, _("Outcome recorded; all units are free again."))
            return redirect("contracts:staff_reservation", number=number)
    inspection = selectors.active_inspection(reservation)
    return render(
        request,
        "contracts/staff/reservation.html",
        {
            "reservation": reservation,
            "outcome": selectors.reservation_outcome(reservation=reservation),
            "inspection": inspection,
            "form": form,
            # The outcome form shows only while an inspection is open; its refusal must show
            # anyway (an outcome posted at the wrong stage).
            "form_shown": bool(reservation.is_open and inspection),
            "trail": audit.trail(reservation)[:30],
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def inspection_book(request: HttpRequest, number: str) -> HttpResponse:
    return inspection_page(request, _reservation(number))


@staff_required
@require_POST
def inspection_confirm(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _reservation(number)
    inspection = selectors.active_inspection(reservation)
    try:
        if inspection is None:
            raise ApplicationError(_("There is no inspection booked."))
        services.inspection_confirm(inspection=inspection, by=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Inspection confirmed."))
    return redirect_next(request, "contracts:staff_board")


@staff_required
@require_POST
def reservation_cancel(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _reservation(number)
    form = CancelReasonForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.reservation_cancel(
                reservation=reservation, by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("Reservation %(number)s is cancelled.") % {"number": number},
        )
    else:
        form_errors(request, form)
    return redirect("contracts:staff_reservation", number=number)
