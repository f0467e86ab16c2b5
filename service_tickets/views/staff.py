"""Staff pages: the dispatch board, one ticket with every staff action, opening tickets and
trips for a contract, and the monthly SLA report."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Contract
from rental.core import audit
from rental.core.audit_labels import event_sentence
from rental.core.flash import attempt, form_errors
from rental.core.params import parse_month
from rental.core.permissions import staff_required
from rental.core.phones import phone_search_digits
from rental.core.redirects import safe_next
from rental.core.timeutil import local

from .. import reports, selectors, services
from ..forms import (
    AssignForm,
    CollectedForm,
    DeadlineForm,
    ReasonForm,
    StaffOpenForm,
    WorkshopRepairedForm,
    technicians,
)
from ..models import Ticket


def _history(ticket: Ticket) -> list[tuple[object, str]]:
    events = audit.trail(ticket)[:30]
    return [(e, event_sentence(e)) for e in events]


def _ticket(number: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("customer", "contract", "asset__model", "technician"),
        number=number,
    )


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    techs = list(technicians())
    return render(
        request,
        "service_tickets/staff/board.html",
        {
            "board": selectors.dispatch_board(technicians=techs),
            "assign_form": AssignForm(),
            "deadline_form": DeadlineForm(),
            "now": timezone.now(),
        },
    )


@staff_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(number)
    context = {
        "ticket": ticket,
        "now": timezone.now(),
        "assign_form": AssignForm(initial={"technician": ticket.technician_id}),
        "deadline_form": DeadlineForm(),
        "reason_form": ReasonForm(),
        "repaired_form": WorkshopRepairedForm(),
        "collected_form": CollectedForm(),
        "history": _history(ticket),
    }
    context["contact_name"], context["contact_phone"] = ticket.site_contact()
    if ticket.status == Ticket.Status.RESOLVED:
        context["quote"] = selectors.fee_quote(ticket)
    return render(request, "service_tickets/staff/ticket.html", context)


def _post(request: HttpRequest, number: str, form_class, run, success: str) -> HttpResponse:
    ticket = _ticket(number)
    form = form_class(request.POST)
    if form.is_valid():
        attempt(request, lambda: run(ticket, form.cleaned_data), success)
    else:
        form_errors(request, form)
    return redirect(_next(request) or reverse("service_tickets:staff_ticket", args=[number]))


def _next(request: HttpRequest) -> str:
    """Back to the page the form was on (the board), if it is one of ours."""
    return safe_next(request)


@staff_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        AssignForm,
        lambda t, d: services.ticket_assign(ticket=t, technician=d["technician"], by=request.user),
        _("Ticket %(number)s dispatched.") % {"number": number},
    )


@staff_required
@require_POST
def set_deadline(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        DeadlineForm,
        lambda t, d: services.ticket_set_deadline(
            ticket=t, deadline=d["deadline"], by=request.user
        ),
        _("Deadline set."),
    )


@staff_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        ReasonForm,
        lambda t, d: services.ticket_cancel(ticket=t, by=request.user, reason=d["reason"]),
        _("Ticket cancelled."),
    )


@staff_required
@require_POST
def waive(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        ReasonForm,
        lambda t, d: services.surcharge_waive(ticket=t, by=request.user, reason=d["reason"]),
        _("Surcharge waived."),
    )


@staff_required
@require_POST
def repaired(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        WorkshopRepairedForm,
        lambda t, d: services.workshop_repaired(
            ticket=t, by=request.user, notes=d["notes"], parts=d["parts"]
        ),
        _("Marked repaired."),
    )


@staff_required
@require_POST
def collected(request: HttpRequest, number: str) -> HttpResponse:
    return _post(
        request,
        number,
        CollectedForm,
        lambda t, d: services.workshop_collected(
            ticket=t, by=request.user, fee=d["fee"], fee_note=d["fee_note"]
        ),
        _("Marked collected."),
    )


@staff_required
def open_ticket(request: HttpRequest) -> HttpResponse:
    """Pick a contract (number, customer name or phone), then record a call, a unit brought in,
    or schedule a trip for it."""
    query = (request.GET.get("q") or "").strip()
    contract = None
    number = request.GET.get("contract") or request.POST.get("contract")
    serviceable = Contract.objects.filter(status__in=Contract.SERVICEABLE_STATUSES).select_related(
        "customer"
    )
    if number:
        contract = get_object_or_404(serviceable, number=number)
    matches = []
    if query and contract is None:
        match = Q(number__icontains=query) | Q(customer__name__icontains=query)
        if digits := phone_search_digits(query):
            match |= Q(customer__phone__contains=digits)
        matches = list(serviceable.filter(match).order_by("-starts_at")[:20])
    form = None
    if contract is not None:
        form = StaffOpenForm(request.POST or None, contract=contract)
        if request.method == "POST" and form.is_valid():
            created: list[Ticket] = []
            if attempt(
                request, lambda: created.append(_open(request, contract, form.cleaned_data))
            ):
                return redirect("service_tickets:staff_ticket", created[0].number)
    return render(
        request,
        "service_tickets/staff/open.html",
        {"query": query, "matches": matches, "contract": contract, "form": form},
    )


def _open(request: HttpRequest, contract: Contract, data: dict) -> Ticket:
    what = data["what"]
    if what == "workshop":
        return services.workshop_receive(
            contract=contract,
            asset=data["unit"],
            kind=data["kind"],
            description=data["description"],
            by=request.user,
        )
    if what in ("delivery", "pickup"):
        return services.trip_schedule(
            contract=contract,
            kind=what,
            scheduled_for=data["scheduled_for"],
            note=data["description"],
            by=request.user,
        )
    return services.ticket_open_by_staff(
        contract=contract,
        asset=data["unit"],
        kind=data["kind"],
        description=data["description"],
        reported_at=data.get("reported_at"),
        by=request.user,
    )


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    today = local(timezone.now()).date()
    month = reports.previous_month(today) if today.day < 5 else date(today.year, today.month, 1)
    month = parse_month(request.GET.get("month")) or month
    return render(
        request,
        "service_tickets/staff/report.html",
        {"report": reports.sla_report(month=month), "month_value": f"{month:%Y-%m}"},
    )
