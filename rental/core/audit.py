"""The audit trail: every service that changes something records an event here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from .models import AuditEvent

# The events `record()` keeps while a `batch()` block runs, innermost block last.
_batches: ContextVar[tuple[list[AuditEvent], ...]] = ContextVar("audit_batches", default=())


def record(actor, action: str, obj: models.Model, **data: Any) -> AuditEvent:
    """Record that `actor` (a user, or None for the system) did `action` to `obj`.

    Inside `batch()` the event is kept and written with the batch's others in one INSERT when the
    block ends (its `pk` is set then); otherwise it is written at once."""
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )
    batches = _batches.get()
    if batches:
        batches[-1].append(event)
    else:
        event.save(force_insert=True)
    return event


@contextmanager
def batch() -> Iterator[list[AuditEvent]]:
    """Write every event recorded in the block, by any service it calls, in one INSERT at its end.

    A batch inside another hands its events to the outer one, so they are all written together.
    Use it inside the transaction whose changes the events describe, so they commit or roll back
    together; if the block raises, its events are dropped with the rest of the work."""
    outer = _batches.get()
    events: list[AuditEvent] = []
    token = _batches.set((*outer, events))
    try:
        yield events
    finally:
        _batches.reset(token)
    if outer:
        outer[-1].extend(events)
    elif events:
        AuditEvent.objects.bulk_create(events)


def record_many(actor, action: str, model: type[models.Model], ids, **data: Any) -> None:
    """Record the same action on many objects of one model in one INSERT."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if getattr(actor, "pk", None) else None,
                action=action,
                object_type=model._meta.label_lower,
                object_id=str(pk),
                data=data,
            )
            for pk in ids
        ]
    )


def trail(obj: models.Model):
    """The events of one object, newest first."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
