from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from rental.celery import app as celery_app


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and user.is_technician:
        return redirect("service_tickets:tech_list")
    if user.is_authenticated and user.is_staff_member:
        return redirect("operations:today")  # staff start their day on the Today board
    return render(request, "core/home.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and humans: is the database reachable, is the broker?"""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "fail",
            **{k: "ok" if v else "fail" for k, v in checks.items()},
        },
        status=200 if healthy else 503,
    )
