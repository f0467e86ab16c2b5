"""The audit trail: every service that changes something records an event here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

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
        _insert(events)


# The events travel as one JSON parameter, unpacked by PostgreSQL: written out, since every
# reservation and most services end a batch here, and the ORM would build the INSERT anew each time.
_INSERT = """
    INSERT INTO {table} (occurred_at, actor_id, action, object_type, object_id, data)
    SELECT %s, a, c, t, o, d
    FROM json_to_recordset(%s::json) AS x(a bigint, c text, t text, o text, d jsonb)
    RETURNING id
"""


def _insert(events: list[AuditEvent]) -> None:
    """Write the events in one INSERT and set their `pk` and time, as `bulk_create` would."""
    now = timezone.now()
    rows = [
        {"a": e.actor_id, "c": e.action, "t": e.object_type, "o": e.object_id, "d": e.data}
        for e in events
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT.format(table=connection.ops.quote_name(AuditEvent._meta.db_table)),
            [now, json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False)],
        )
        for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
            event.pk, event.occurred_at = pk, now
            event._state.adding = False


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
