"""What the service views share: running a service and showing its error."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest

from rental.core.errors import ApplicationError


def attempt(request: HttpRequest, action: Callable[[], object], success: str = "") -> bool:
    """Run a service; on an ApplicationError show its message and return False."""
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return False
    if success:
        messages.success(request, success)
    return True


def form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
