"""Request guards that run before any view: input PostgreSQL cannot store never gets that far."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    for data in (request.GET, request.POST if request.method == "POST" else {}):
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


class RefuseNulMiddleware:
    """Answers 400 to a NUL byte in the path, the query or a form field.

    PostgreSQL's text type cannot hold NUL, so such a value would fail deep in a query with a
    server error; no person types one, so a plain refusal is the whole answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _has_nul(request)
        except Exception:  # a body Django cannot parse is refused by the view the usual way
            refused = False
        if refused:
            reason = _("The address or the form contained a character we cannot accept.")
            if request.path.startswith("/api/"):
                # The API's clients read JSON errors ({"code", "message", "fields"}).
                return JsonResponse(
                    {"code": "invalid_character", "message": reason, "fields": {}}, status=400
                )
            return render(
                request,
                "core/bad_request.html",
                {"reason": reason},
                status=400,
            )
        return self.get_response(request)
