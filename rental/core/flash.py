"""How a page runs a service and tells the user how it went: one way for every view."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest

from .dbrefusals import database_guards
from .errors import ApplicationError


def attempt(request: HttpRequest, action: Callable[[], object], success: str = "") -> bool:
    """Run a service; on an ApplicationError show its message (in the user's language) and
    return False; else show `success` (or the message the action returns) and return True."""
    try:
        # What the database's own guards refuse (an amount past its bound, a deposit overdrawn)
        # becomes a message too, not a server error (rental.core.dbrefusals).
        with database_guards():
            result = action()
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return False
    message = success or (result if isinstance(result, str) else "")
    if message:
        messages.success(request, message)
    return True


def form_errors(request: HttpRequest, form) -> None:
    """A form's errors as messages, for actions posted from a page that shows no form."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
