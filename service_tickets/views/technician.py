"""The technician's phone pages: their tickets by deadline, one ticket, and its steps.

A ticket of another technician is simply not found (404); the services check again.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core.flash import attempt, form_errors
from rental.core.permissions import technician_required

from .. import selectors, services
from ..forms import CloseForm, ResolveForm
from ..models import Ticket


def _own(request: HttpRequest, number: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("customer", "contract", "asset__model__brand"),
        number=number,
        technician=request.user,
    )


@technician_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "technician/home.html",
        {
            "tickets": selectors.technician_tickets(technician=request.user),
            "recent": selectors.technician_recent(technician=request.user),
            "now": timezone.now(),
        },
    )


@technician_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _own(request, number)
    context = {"ticket": ticket, "now": timezone.now()}
    context["contact_name"], context["contact_phone"] = ticket.site_contact()
    if ticket.asset_id:
        context["history"] = selectors.unit_history(asset=ticket.asset, exclude=ticket)
    if ticket.can_resolve():
        context["resolve_form"] = ResolveForm(ticket=ticket)
    if ticket.can_close():
        quote = selectors.fee_quote(ticket)
        context["quote"] = quote
        context["close_form"] = CloseForm(low=quote.low, high=quote.high)
    return render(request, "service_tickets/technician/ticket.html", context)


@technician_required
@require_POST
def en_route(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _own(request, number)
    attempt(request, lambda: services.ticket_en_route(ticket=ticket, by=request.user))
    return redirect("service_tickets:tech_ticket", number)


@technician_required
@require_POST
def arrive(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _own(request, number)
    attempt(
        request,
        lambda: services.ticket_arrive(ticket=ticket, by=request.user),
        _("Arrival recorded."),
    )
    return redirect("service_tickets:tech_ticket", number)


@technician_required
@require_POST
def resolve(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _own(request, number)
    form = ResolveForm(request.POST, ticket=ticket)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("service_tickets:tech_ticket", number)
    data = form.cleaned_data
    attempt(
        request,
        lambda: services.ticket_resolve(
            ticket=ticket,
            by=request.user,
            notes=data["notes"],
            units=list(data["units"]),
            parts=data["parts"],
            work_kind=data.get("work_kind"),
        ),
        _("Resolved. Now close the ticket with the fee."),
    )
    return redirect("service_tickets:tech_ticket", number)


@technician_required
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _own(request, number)
    quote = selectors.fee_quote(ticket) if ticket.can_close() else None
    form = CloseForm(request.POST, low=quote.low if quote else 0, high=quote.high if quote else 0)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("service_tickets:tech_ticket", number)
    attempt(
        request,
        lambda: services.ticket_close(ticket=ticket, by=request.user, fee=form.cleaned_data["fee"]),
        _("Ticket closed."),
    )
    return redirect("service_tickets:tech_ticket", number)
