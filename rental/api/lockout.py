"""What a locked-out login gets: JSON on the API, the lockout page elsewhere (axes calls this)."""

from __future__ import annotations

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import body


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        response = JsonResponse(
            body("locked_out", _("Too many failed logins; try again later.")), status=429
        )
        cool_off = get_cool_off(request)
        if cool_off:
            response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": get_cool_off(request),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
