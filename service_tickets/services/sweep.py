"""The SLA sweep: mark tickets at risk and late, and tell the people concerned, once each.

Two steps, each set-based and batched:

1. Marking (`tickets_mark_due`): each batch is one `UPDATE … WHERE id = ANY(ARRAY(SELECT … LIMIT
   n FOR UPDATE SKIP LOCKED)) RETURNING id`, driven by two partial indexes, with the batch's
   audit events inserted by the same statement. A ticket is marked once (the mark is in the WHERE
   clause) and two sweeps at once share the work (SKIP LOCKED).
2. Announcing (`tickets_announce_marks`): a mark is an outbox entry until its `*_announced_at`
   is set; each batch takes unannounced marks (SKIP LOCKED), records their notifications (keys
   `ticket:<id>:at_risk` / `ticket:<id>:breached`, held once per recipient) with one
   `notify_many` (one INSERT per batch) and sets the announced time, in one transaction.
   Delivery happens after that commit, one task per channel and batch of rows.

So a worker killed at any point loses and duplicates nothing: a mark without its notice stays in
the outbox and the next sweep (beat, every minute) announces it; a notice is never recorded twice.

Late ("breached") is marked before at-risk, so a ticket first seen past its deadline gets the
late notice only (its at-risk mark is set with it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from rental import webhooks
from rental.core.models import AuditEvent
from rental.notifications.services import Notice, Recipient, notify_many

from ..models import Ticket
from ..notify import customer_recipient, dispatch_recipients, technician_recipient, ticket_url
from ._common import ACTION, hook

# Marking batches of 200 keep the marking within 2× of a single UPDATE (bench/sla_sweep.py).
BATCH = 200
# Announcing holds its tickets locked while their notices are written in bulk (~7 rows a ticket,
# ~0.2 ms a row), so a technician tapping "arrived" on one of them waits well under a second.
ANNOUNCE_BATCH = 200
# What a notice needs of a ticket, its technician and its customer (and nothing more to load).
_ANNOUNCE_FIELDS = (
    "number",
    "deadline",
    # What the webhook event says (`hook`): read here, not one deferred query per ticket.
    "status",
    "kind",
    "reported_at",
    "contract__number",
    "technician__first_name",
    "technician__last_name",
    "technician__username",
    "technician__email",
    "technician__phone",
    "technician__preferred_language",
    "customer__name",
    "customer__email",
    "customer__phone",
    "customer__user__email",
    "customer__user__preferred_language",
)
_TABLE = Ticket._meta.db_table
# Written out like the partial indexes' predicate, so the planner can use them.
_OPEN = ", ".join(f"'{s}'" for s in Ticket.OPEN)

# The column set in each pass, the column that says it is due, and what else is set with it.
_PASSES = {
    # A ticket first seen past its deadline gets the late notice only.
    "breached": (
        "breached_at",
        "deadline",
        ", at_risk_at = COALESCE(t.at_risk_at, %(now)s)"
        ", at_risk_announced_at = COALESCE(t.at_risk_announced_at, %(now)s)",
    ),
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
    """The beat task's work: mark every open ticket whose at-risk time or deadline has come, then
    announce every mark not yet announced (technician and dispatch staff; the customer too when
    late). Idempotent; safe to run twice or at once."""
    result = tickets_mark_due(now=now, batch_size=batch_size)
    result.notifications = tickets_announce_marks()
    return result


def tickets_mark_due(*, now: datetime | None = None, batch_size: int = BATCH) -> SweepResult:
    """Step 1: the marks, in batches of `batch_size`, each batch its own transaction."""
    now = now or timezone.now()
    result = SweepResult()
    for mark in ("breached", "at_risk"):
        while True:
            with transaction.atomic():
                ids = mark_batch(mark, now=now, limit=batch_size)
            if ids:
                result.batches += 1
                setattr(result, mark, getattr(result, mark) + len(ids))
            if len(ids) < batch_size:
                break
    return result


def tickets_announce_marks(*, batch_size: int = ANNOUNCE_BATCH) -> int:
    """Step 2: record the notices of marks not yet announced; the number of notices recorded."""
    staff = dispatch_recipients()
    sent = 0
    for mark in ("breached", "at_risk"):
        marked, announced = f"{mark}_at", f"{mark}_announced_at"
        while True:
            with transaction.atomic():
                # One query locks the batch and reads what its notices need.
                tickets = list(
                    Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(**{f"{marked}__isnull": False, f"{announced}__isnull": True})
                    .select_related("technician", "customer__user", "contract")
                    .only(*_ANNOUNCE_FIELDS)
                    .order_by("pk")[:batch_size]
                )
                if tickets:
                    sent += _announce(mark, tickets, staff)
                    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
                        **{announced: timezone.now()}
                    )
            if len(tickets) < batch_size:
                break
    return sent


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


def _announce(mark: str, tickets: list[Ticket], staff: list[Recipient]) -> int:
    """Record the batch's notices with one `notify_many` (one INSERT per 1,000 rows, one delivery
    task per channel and 500 rows); the number of notification rows recorded."""
    notices: list[Notice] = []
    webhooks.emit_many(events=[(f"ticket.{mark}", hook(ticket)) for ticket in tickets])
    for ticket in tickets:
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
                notices.append(
                    Notice(key=key, recipients=recipients, context={**context, "url": url})
                )
    return notify_many(event=f"ticket.{mark}", notices=notices)
