"""The application's URLs plus the floors the HTTP benchmarks compare against (bench only, never
in the app): `/bench/trivial`, `/bench/bare-reserve` and `/bench/signed-in-form`."""

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import require_POST

from catalog.models import CalendarEntry, EquipmentModel
from catalog.selectors import blocked_range, free_assets
from contracts.forms import ReservationForm
from contracts.models import Customer
from rental.core.access import AccessMiddleware
from rental.core.permissions import customer_required

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUFFER = timedelta(hours=2)  # the default turnaround buffer, fixed: the floor reads no policy


def trivial(request: HttpRequest) -> HttpResponse:
    """The least a request can cost: the full middleware stack, no database, two bytes out."""
    return HttpResponse("ok", content_type="text/plain")


def _at(day: str, hour: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=int(hour), tzinfo=SHANGHAI)


@require_POST
def bare_reserve(request: HttpRequest) -> HttpResponse:
    """The floor of a reservation: the reservation form's fields in, lock free units of the
    model with SKIP LOCKED, insert their calendar holds (the exclusion constraint still guards
    them), nothing else: no login, quote, reservation row, audit or notification. 201 held, 409
    not free."""
    model = EquipmentModel(pk=int(request.POST["model_0"]))
    quantity = int(request.POST["quantity_0"])
    starts_at = _at(request.POST["start_date"], request.POST["start_hour"])
    ends_at = _at(request.POST["end_date"], request.POST["end_hour"])
    with transaction.atomic():
        units = list(
            free_assets(model=model, starts_at=starts_at, ends_at=ends_at, buffer=BUFFER)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:quantity]
        )
        if len(units) < quantity:
            return HttpResponse("not free", status=409, content_type="text/plain")
        window = blocked_range(starts_at, ends_at, BUFFER)
        try:
            with transaction.atomic():
                CalendarEntry.objects.bulk_create(
                    CalendarEntry(
                        asset_id=pk,
                        kind=CalendarEntry.Kind.HOLD,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        blocked=window,
                        note="bench",
                    )
                    for pk in units
                )
        except IntegrityError:
            return HttpResponse("not free", status=409, content_type="text/plain")
    return HttpResponse("held", status=201, content_type="text/plain")


@customer_required
@require_POST
def signed_in_form(request: HttpRequest) -> HttpResponse:
    """What Django costs for any signed-in customer's form POST, before the reservation's own
    work: the session and the user read, CSRF checked, the reservation form parsed and validated
    (its models read), a message queued and a redirect. The floor of the reservation *page*;
    bare-reserve is the floor of the reservation's database work."""
    form = ReservationForm(request.POST, customer=Customer(pk=0, kind=Customer.Kind.INDIVIDUAL))
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain")
    messages.success(request, "ok")
    return redirect("bench_trivial")


FLOORS = {"bench_trivial", "bench_bare_reserve", "bench_signed_in_form"}


def process_tag(get_response):
    """Names the gunicorn process in every answer (X-Bench-Process), so the bench can print how
    the processes shared the clients. Read per answer: the app is loaded before the fork."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response["X-Bench-Process"] = str(os.getpid())
        return response

    return middleware


class BenchAccessMiddleware(AccessMiddleware):
    """The app's access rules, and the floors open to anyone: the app refuses every URL name
    without a rule, and these names exist only in the bench server's URLconf."""

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.resolver_match and request.resolver_match.url_name in FLOORS:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


urlpatterns = [
    path("bench/signed-in-form", signed_in_form, name="bench_signed_in_form"),
    path("bench/trivial", trivial, name="bench_trivial"),
    path("bench/bare-reserve", bare_reserve, name="bench_bare_reserve"),
    path("", include("rental.urls")),
]
