"""The SLA sweep: mark tickets at risk and late, and tell the people concerned, once each.

Set-based and batched: each batch is one `UPDATE … WHERE id = ANY(ARRAY(SELECT … LIMIT n
FOR UPDATE SKIP LOCKED)) RETURNING id`, driven by the two partial indexes on the ticket table,
with the batch's audit events inserted by the same statement and its notification rows written
in the same transaction. So:

- a ticket is marked once: the marks are part of the WHERE clause, and a row another sweep holds
  is skipped (two sweeps at once share the work);
- its notifications go out once: they are recorded with keys `ticket:<id>:at_risk` and
  `ticket:<id>:breached`, which the notifications table holds only once per recipient, and are
  delivered by Celery only after the commit;
- a worker killed mid-sweep loses and duplicates nothing: the marks and the notification rows
  commit together or not at all, and the next sweep (beat, every minute) finds the rows unmarked.

Late ("breached") is marked before at-risk, so a ticket first seen past its deadline gets the
late notice only (its at-risk mark is set with it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from rental.core.models import AuditEvent
from rental.notifications.services import Recipient, notify

from ..models import Ticket
from ..notify import customer_recipient, dispatch_recipients, technician_recipient, ticket_url
from ._common import ACTION

# Each batch holds its tickets locked while its notification rows are written (~2.5 ms a row
# with notify()), so a technician tapping "arrived" on one waits at most a few seconds; 200
# keeps the marking within 2× of a single UPDATE (bench/sla_sweep.py).
BATCH = 200
_TABLE = Ticket._meta.db_table
# Written out like the partial indexes' predicate, so the planner can use them.
_OPEN = ", ".join(f"'{s}'" for s in Ticket.OPEN)

# The column set in each pass, the column that says it is due, and what else is set with it.
_PASSES = {
    "breached": ("breached_at", "deadline", ", at_risk_at = COALESCE(t.at_risk_at, %(now)s)"),
    "at_risk": ("at_risk_at", "at_risk_from", ""),
}


def _audit_insert() -> str:
    """INSERT … SELECT of one audit event per marked ticket, as `audit.record_many` would write it,
    done by the database in the marking statement itself (it was most of a batch's time)."""
    meta = AuditEvent._meta
    columns = ", ".join(
        meta.get_field(name).column
        for name in ("occurred_at", "actor", "action", "object_type", "object_id", "data")
    )
    label = Ticket._meta.label_lower
    into = f"INSERT INTO {meta.db_table} ({columns})"
    return f"{into} SELECT %(recorded)s, NULL, %(action)s, '{label}', id::text, %(data)s::jsonb FROM marked"  # noqa: E501, S608


def mark_sql(mark: str) -> str:
    """One batch of one pass: lock up to %(limit)s due rows no one else holds, mark them, and
    record an audit event for each; returns the marked ids."""
    column, due, also = _PASSES[mark]
    # Only fixed identifiers from this module are interpolated; values go as parameters.
    return f"""
        WITH marked AS (
            UPDATE {_TABLE} AS t SET {column} = %(now)s{also}
            WHERE t.id = ANY(ARRAY(
                SELECT id FROM {_TABLE}
                WHERE {column} IS NULL AND status IN ({_OPEN}) AND {due} <= %(now)s
                ORDER BY {due}, id
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            ))
            RETURNING t.id
        ), audited AS ({_audit_insert()})
        SELECT id FROM marked ORDER BY id
    """  # noqa: S608


@dataclass
class SweepResult:
    at_risk: int = 0
    breached: int = 0
    batches: int = 0
    notifications: int = 0


def tickets_sweep_sla(*, now: datetime | None = None, batch_size: int = BATCH) -> SweepResult:
    """Mark every open ticket whose at-risk time or deadline has come, and notify: the technician
    and dispatch staff for at-risk; those and the customer for late. Idempotent."""
    now = now or timezone.now()
    result = SweepResult()
    staff = dispatch_recipients()
    for mark in ("breached", "at_risk"):
        while True:
            with transaction.atomic():
                ids = mark_batch(mark, now=now, limit=batch_size)
                if ids:
                    result.notifications += _announce(mark, ids, staff)
            if ids:
                result.batches += 1
                setattr(result, mark, getattr(result, mark) + len(ids))
            if len(ids) < batch_size:
                break
    return result


def mark_params(mark: str, *, now: datetime, limit: int) -> dict:
    return {
        "now": now,
        "limit": limit,
        "recorded": timezone.now(),
        "action": ACTION + mark,
        "data": json.dumps({"at": now.isoformat()}),
    }


def mark_batch(mark: str, *, now: datetime, limit: int) -> list[int]:
    """Mark one batch (and audit it) in the current transaction; the ids marked."""
    with connection.cursor() as cursor:
        cursor.execute(mark_sql(mark), mark_params(mark, now=now, limit=limit))
        return [row[0] for row in cursor.fetchall()]


def _announce(mark: str, ids: Iterable[int], staff: list[Recipient]) -> int:
    tickets = Ticket.objects.filter(pk__in=list(ids)).select_related("technician", "customer__user")
    event = f"ticket.{mark}"
    sent = 0
    for ticket in tickets.order_by("pk"):
        key = f"ticket:{ticket.pk}:{mark}"
        context = {"number": ticket.number, "deadline": ticket.deadline}
        audiences: list[tuple[str, list[Recipient]]] = [
            ("technician", technician_recipient(ticket)),
            ("staff", staff),
        ]
        if mark == "breached":
            audiences.append(("customer", [customer_recipient(ticket.customer)]))
        for audience, recipients in audiences:
            if recipients:
                url = ticket_url(ticket, audience)
                sent += len(
                    notify(
                        event=event, key=key, recipients=recipients, context={**context, "url": url}
                    )
                )
    return sent
