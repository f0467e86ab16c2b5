"""One idiom for every status change: lock the row, check the move, save it, record it.

Services call `lock` inside their transaction, `require` with the model's own `can_*` predicate,
and `set_status` for the move itself — the one place a status field is assigned, so every move
is saved with `update_fields` and leaves an audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from . import audit
from .errors import NotFound, WrongState

M = TypeVar("M", bound=models.Model)


def lock(obj: M, *, related: Iterable[str] = ()) -> M:
    """Re-read `obj` under a row lock (call inside a transaction); its related rows are read
    with it but not locked."""
    queryset = type(obj)._default_manager.select_for_update(of=("self",))
    if related:
        queryset = queryset.select_related(*related)
    found = queryset.filter(pk=obj.pk).first()
    if found is None:
        raise NotFound(_("It no longer exists."), code="not_found")
    return found


def require(obj: models.Model, allowed: bool, *, message: str | None = None) -> None:
    """Refuse a step the object's status does not allow, with one error class (409)."""
    if allowed:
        return
    status = getattr(obj, "get_status_display", lambda: "")()
    raise WrongState(
        message
        or _("%(object)s is %(status)s; that cannot be done now.")
        % {"object": obj, "status": status},
        code="wrong_status",
        extra={"status": getattr(obj, "status", None)},
    )


def set_status(obj: M, status: str, *, by, event: str, fields: Iterable[str] = (), **data) -> M:
    """Move `obj` to `status`, saving it with the other changed `fields`, and record `event`."""
    obj.status = status
    obj.save(update_fields=["status", *fields])
    audit.record(by, event, obj, **data)
    return obj
