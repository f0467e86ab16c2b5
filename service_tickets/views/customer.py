"""The customer's service pages: call for service from a contract, their tickets.

Another customer's contract or ticket is simply not found (404).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Contract
from rental.core.flash import attempt, form_errors
from rental.core.permissions import customer_required

from .. import selectors, services
from ..forms import CallForm, ReasonForm
from ..models import Ticket


def _contracts(request: HttpRequest):
    return Contract.objects.filter(
        customer__user=request.user, status__in=Contract.SERVICEABLE_STATUSES
    )


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "service_tickets/customer/home.html",
        {
            "contracts": _contracts(request).order_by("-starts_at"),
            "tickets": selectors.customer_tickets(user=request.user),
            "now": timezone.now(),
        },
    )


@customer_required
def call(request: HttpRequest, contract_number: str) -> HttpResponse:
    contract = get_object_or_404(_contracts(request), number=contract_number)
    form = CallForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opened: list[Ticket] = []
        if attempt(
            request,
            lambda: opened.append(
                services.ticket_open(
                    contract=contract,
                    asset=data["unit"],
                    kind=data["kind"],
                    description=data["description"],
                    address=data.get("address"),
                    by=request.user,
                )
            ),
            _("Your call for service is recorded."),
        ):
            return redirect("service_tickets:customer_ticket", opened[0].number)
    return render(
        request, "service_tickets/customer/call.html", {"contract": contract, "form": form}
    )


@customer_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = get_object_or_404(selectors.customer_tickets(user=request.user), number=number)
    return render(
        request,
        "service_tickets/customer/ticket.html",
        {"ticket": ticket, "now": timezone.now(), "cancel_form": ReasonForm()},
    )


@customer_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    ticket = get_object_or_404(Ticket, number=number, customer__user=request.user)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.ticket_cancel(
                ticket=ticket, by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("Your ticket is cancelled."),
        )
    else:
        form_errors(request, form)
    return redirect("service_tickets:customer_ticket", number)
