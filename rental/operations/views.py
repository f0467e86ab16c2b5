"""Today (the staff start page), its counts for the minute refresh, and the reports.

Each report page, its CSV and its Excel workbook render the same tables from one selector call,
so the three always agree; a page makes a fixed number of queries whatever the data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from rental.accounts.roles import board_sections, reports_for, staff_groups
from rental.core.permissions import staff_required
from rental.core.timeutil import local

from . import export, selectors
from .forms import ReportFilters
from .registry import REPORTS


@staff_required
def today(request: HttpRequest) -> HttpResponse:
    groups = staff_groups(request.user)
    sections = board_sections(groups)
    now = timezone.now()
    return render(
        request,
        "operations/today.html",
        {
            "board": selectors.today_board(now=now, sections=sections),
            "sections": sections,
            "reports": [REPORTS[k] for k in reports_for(groups)],
            "now": now,
            "refresh_ms": int(getattr(settings, "OPERATIONS_BOARD_REFRESH_SECONDS", 60) * 1000),
        },
    )


@never_cache
@staff_required
def today_counts(request: HttpRequest) -> JsonResponse:
    """The board's counts, refreshed by today.js every minute; only the reader's sections."""
    sections = board_sections(staff_groups(request.user))
    counts = selectors.board_counts(now=timezone.now())
    wanted = set(sections)
    if "tickets" in wanted:
        wanted |= {"tickets_unassigned", "tickets_at_risk", "tickets_late"}
    return JsonResponse({"counts": {k: v for k, v in counts.items() if k in wanted}})


@staff_required
def report_index(request: HttpRequest) -> HttpResponse:
    keys = reports_for(staff_groups(request.user))
    if not keys:
        raise PermissionDenied
    return render(request, "operations/reports.html", {"reports": [REPORTS[k] for k in keys]})


@staff_required
def report(request: HttpRequest, key: str) -> HttpResponse:
    if key not in REPORTS:
        raise Http404
    allowed = reports_for(staff_groups(request.user))
    if key not in allowed:
        raise PermissionDenied
    spec = REPORTS[key]
    form = ReportFilters(
        request.GET or None, fields=spec.filters, today=local(timezone.now()).date()
    )
    arguments = form.arguments()
    tables = spec.compute(**arguments)
    period = arguments["period"]
    filename = f"{key}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        wanted = request.GET.get("table") or tables[0].key
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise Http404
        return export.csv_response(table, f"{filename}-{table.key}")
    if fmt == "xlsx":
        return export.xlsx_response(tables, filename)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    return render(
        request,
        "operations/report.html",
        {
            "spec": spec,
            "form": form,
            "tables": tables,
            "period": period,
            "query": query.urlencode(),
            "reports": [REPORTS[k] for k in allowed],
        },
    )
