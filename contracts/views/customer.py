"""The customer's pages: profile and addresses, reserving with a live quote, their reservations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core.errors import ApplicationError
from rental.core.flash import attempt
from rental.core.permissions import customer_required
from rental.core.redirects import redirect_next
from rental.core.timeutil import SHANGHAI

from .. import selectors, services
from ..forms import AddressForm, CustomerProfileForm, InspectionForm, ReservationForm
from ..models import Customer, Inspection, Reservation
from ..quotes import Quote
from ..services.inspections import inspection_places


def _customer(request: HttpRequest) -> Customer | None:
    customer = selectors.customer_of(request.user)
    if customer is not None:
        customer.user = request.user  # already loaded: the notices need it, not another query
    return customer


def _own_reservation(request: HttpRequest, number: str) -> Reservation:
    """Another customer's reservation is simply not found."""
    return get_object_or_404(
        selectors.reservation_detail(number=number), customer__user=request.user
    )


@customer_required
def profile(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    profile_form = CustomerProfileForm(
        request.POST if request.method == "POST" and customer is None else None,
        initial={
            "kind": request.user.signup_kind or "individual",
            "name": request.user.get_full_name(),
            "phone": request.user.phone,
            "email": request.user.email,
        },
    )
    if customer is None and request.method == "POST" and profile_form.is_valid():
        try:
            services.customer_create(
                user=request.user, by=request.user, **profile_form.cleaned_data
            )
        except ApplicationError as exc:
            profile_form.add_error(None, _customer_safe_message(exc))
        else:
            messages.success(request, _("Your details are saved. Now add a delivery address."))
            return redirect("contracts:profile")
    return render(
        request,
        "contracts/profile.html",
        {
            "customer": customer,
            "profile_form": profile_form,
            "address_form": AddressForm(),
            "waiver": selectors.customer_waiver(customer=customer, on=_today())
            if customer
            else None,
        },
    )


def _customer_safe_message(exc: ApplicationError) -> str:
    """Saying "this ID number already exists" would tell anyone whether a stranger's ID number
    is one of our customers'; the customer is asked to call the front desk instead."""
    if exc.code == "duplicate":
        return _(
            "We could not save these details. If you have rented from us before, please contact "
            "our front desk so we can link this account to your customer record."
        )
    return str(exc)


def _today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


@customer_required
@require_POST
def address_add(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if customer is None:
        return redirect("contracts:profile")
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            services.address_add(customer=customer, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Address added."))
            return redirect_next(request, "contracts:profile")
    return render(
        request,
        "contracts/profile.html",
        {
            "customer": customer,
            "address_form": form,
            "profile_form": None,
            "waiver": selectors.customer_waiver(customer=customer, on=_today()),
        },
        status=400,
    )


@customer_required
def reservation_list(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    reservations = selectors.reservations_for(customer=customer) if customer else []
    return render(request, "contracts/reservation_list.html", {"reservations": reservations})


@customer_required
def reservation_new(request: HttpRequest) -> HttpResponse:
    if request.user.verification_required:
        messages.info(request, _("Confirm your account with the code we sent before you reserve."))
        return redirect("accounts:verify")
    customer = _customer(request)
    if customer is None:
        messages.info(request, _("Tell us who is renting before you reserve."))
        return redirect("contracts:profile")
    return reservation_form_page(
        request,
        customer=customer,
        template="contracts/reservation_form.html",
        done=lambda r: redirect("contracts:reservation_detail", number=r.number),
    )


def reservation_form_page(
    request, *, customer: Customer, template: str, done, extra=None, bound: bool = True
):
    """Shared by the customer's form and staff's phone booking. `bound=False`: the POST was
    another form's on the page (staff's address form), so the reservation form starts fresh."""
    posted = bound and request.method == "POST"
    form = ReservationForm(
        request.POST if posted else None,
        customer=customer,
        initial=_initial_from_query(request.GET),
    )
    if posted and form.is_valid():
        try:
            reservation = services.reservation_create(
                request=form.reservation_request(customer), by=request.user
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Reservation %(number)s is held for you. "
                    "Book your inspection before %(deadline)s."
                )
                % {
                    "number": reservation.number,
                    "deadline": f"{reservation.hold_expires_at.astimezone(SHANGHAI):%m-%d %H:%M}",
                },
            )
            return done(reservation)
    return render(
        request,
        template,
        {"form": form, "customer": customer, **(extra or {})},
        status=400 if request.method == "POST" else 200,
    )


def _initial_from_query(query) -> dict:
    """What the catalogue's "Reserve this model" passes on: model, period and quantity."""
    initial = {"model": query.get("model", ""), "quantity": "1"}
    for name in ("start", "end"):
        try:
            when = datetime.strptime(query.get(name, ""), "%Y-%m-%dT%H:%M")
        except ValueError:
            continue
        initial[f"{name}_date"] = when.date()
        initial[f"{name}_hour"] = when.hour
    quantity = query.get("quantity", "")
    if quantity.isdigit() and int(quantity) >= 1:
        initial["quantity"] = quantity
    return initial


def quote_fragment(request: HttpRequest, customer: Customer) -> HttpResponse:
    form = ReservationForm(request.POST, customer=customer)
    quote: Quote | None = None
    error = None
    if not any(key.startswith("model_") and value for key, value in request.POST.items()):
        # Nothing chosen yet: a hint, not an error, on a fresh form.
        return render(request, "contracts/_quote.html", {"hint": True})
    if form.is_valid():
        try:
            quote = services.reservation_quote(request=form.reservation_request(customer))
        except ApplicationError as exc:
            error = str(exc)
    else:
        error = form.error_text()
    address = form.cleaned_data.get("address") if quote is not None else None
    return render(
        request,
        "contracts/_quote.html",
        {
            "quote": quote,
            "error": error,
            "address": address if quote and quote.delivery_fee + quote.pickup_fee else None,
        },
    )


@customer_required
@require_POST
def reservation_quote(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if customer is None:
        raise Http404
    return quote_fragment(request, customer)


@customer_required
def reservation_detail(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _own_reservation(request, number)
    return render(
        request,
        "contracts/reservation_detail.html",
        {
            "reservation": reservation,
            "inspection": selectors.active_inspection(reservation),
            "outcome": selectors.reservation_outcome(reservation=reservation),
        },
    )


@customer_required
def inspection_book(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _own_reservation(request, number)
    return inspection_page(request, reservation)


def inspection_page(request: HttpRequest, reservation: Reservation) -> HttpResponse:
    days = _showroom_days(reservation)
    places = inspection_places(reservation, has_showroom_slots=_any_free(days))
    form = InspectionForm(request.POST if request.method == "POST" else None, places=places)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_book(
                reservation=reservation,
                place=form.cleaned_data["place"],
                starts_at=form.cleaned_data.get("slot"),
                by=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your inspection is booked."))
            return redirect(_detail_url(request, reservation))
    return render(
        request,
        "contracts/inspection_form.html",
        {
            "reservation": reservation,
            "form": form,
            "days": days if Inspection.Place.SHOWROOM in places else [],
            "places": places,
        },
        status=400 if request.method == "POST" else 200,
    )


def _showroom_days(reservation: Reservation) -> list:
    today = _today()
    last = min(reservation.starts_at.astimezone(SHANGHAI).date(), today + timedelta(days=14))
    days = []
    day = today
    while day <= last:
        slots = [
            (start, free)
            for start, free in services.showroom_slots(day=day)
            if start < reservation.starts_at
        ]
        if slots:
            days.append((day, slots))
        day += timedelta(days=1)
    return days


def _any_free(days: list) -> bool:
    return any(free > 0 for _day, slots in days for _start, free in slots)


def _detail_url(request: HttpRequest, reservation: Reservation) -> str:
    from django.urls import reverse

    if request.user.is_staff_member:
        return reverse("contracts:staff_reservation", args=[reservation.number])
    return reverse("contracts:reservation_detail", args=[reservation.number])


@customer_required
@require_POST
def inspection_cancel(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _own_reservation(request, number)
    attempt(
        request,
        lambda: services.inspection_cancel(reservation=reservation, by=request.user),
        _("Your inspection booking is cancelled; the units stay held."),
    )
    return redirect("contracts:reservation_detail", number=number)


@customer_required
@require_POST
def reservation_cancel(request: HttpRequest, number: str) -> HttpResponse:
    reservation = _own_reservation(request, number)
    attempt(
        request,
        lambda: services.reservation_cancel(reservation=reservation, by=request.user),
        _("Reservation %(number)s is cancelled.") % {"number": number},
    )
    return redirect("contracts:reservation_detail", number=number)
