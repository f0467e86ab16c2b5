"""The application's URLs plus `/bench/trivial`, the floor the HTTP benchmarks compare against."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    """The least a request can cost: the full middleware stack, no database, two bytes out."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial", trivial, name="bench_trivial"),
    path("", include("rental.urls")),
]
