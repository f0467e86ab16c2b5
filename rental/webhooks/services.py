"""Emitting events and delivering them.

`emit()` is called by the domain services inside their own transaction. Delivery runs outside
any transaction: a worker claims a delivery (a lease, committed), sends one signed POST without
following redirects, and records the answer; a failure schedules the next try after a pause that
doubles each time, until 24 h after the event, then the delivery is marked failed. Every try is
an Attempt row, so the console shows the whole history and can replay a delivery.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta

import requests
from celery import current_app
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import Conflict
from rental.core.tasks import enqueue_on_commit

from . import signature
from .events import EVENTS
from .models import Attempt, Delivery, Endpoint, Event, url_problem

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.deliver"
BATCH = 500
# Retries further away than this are left to the minute sweep rather than a delayed message.
MAX_COUNTDOWN = 900
USER_AGENT = "XinsisuoRental-Webhooks/1"


class WebhookError(Conflict):
    pass


def emit(*, event: str, payload: dict) -> Event:
    """Record `event` in the outbox, with a delivery for each endpoint subscribed to it.

    Call it inside the transaction that makes the change: the rows commit or roll back with it,
    and the deliveries are queued only after commit.
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}")
    now = timezone.now()
    row = Event(uuid=uuid.uuid4(), type=event, payload=payload, created_at=now)
    # The event row and the endpoints that want it in one round trip: every reservation emits,
    # and most installations have no endpoint at all.
    with connection.cursor() as cursor:
        cursor.execute(
            _EMIT.format(
                event=connection.ops.quote_name(Event._meta.db_table),
                endpoint=connection.ops.quote_name(Endpoint._meta.db_table),
            ),
            [row.uuid, event, json.dumps(payload, cls=DjangoJSONEncoder), now, [event]],
        )
        row.pk, endpoint_ids = cursor.fetchone()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(event=row, endpoint_id=pk, next_attempt_at=now) for pk in endpoint_ids]
    )
    for delivery in deliveries:
        enqueue_on_commit(_task(), delivery.pk)
    return row


def emit_many(*, events: list[tuple[str, dict]]) -> list[Event]:
    """`emit` for many events at once (a sweep's batch): one INSERT for all the events, one read
    of the endpoints, one INSERT of their deliveries. Returns the events in the order given."""
    unknown = {event for event, _payload in events} - set(EVENTS)
    if unknown:
        raise ValueError(f"Unknown webhook events {sorted(unknown)!r}")
    if not events:
        return []
    now = timezone.now()
    rows = [
        Event(uuid=uuid.uuid4(), type=event, payload=payload, created_at=now)
        for event, payload in events
    ]
    document = json.dumps(
        [{"u": str(row.uuid), "t": row.type, "p": row.payload} for row in rows],
        cls=DjangoJSONEncoder,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _EMIT_MANY.format(event=connection.ops.quote_name(Event._meta.db_table)),
            [now, document],
        )
        ids = dict(cursor.fetchall())
    for row in rows:
        row.pk = ids[row.uuid]
    types = sorted({row.type for row in rows})
    wanted = list(Endpoint.objects.filter(is_active=True, events__overlap=types).order_by("pk"))
    if wanted:
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(event=row, endpoint=endpoint, next_attempt_at=now)
                for row in rows
                for endpoint in wanted
                if row.type in endpoint.events
            ]
        )
        for delivery in deliveries:
            enqueue_on_commit(_task(), delivery.pk)
    return rows


_EMIT_MANY = """
    INSERT INTO {event} (uuid, type, payload, created_at)
    SELECT u, t, p, %s FROM json_to_recordset(%s::json) AS x(u uuid, t text, p jsonb)
    RETURNING uuid, id
"""

_EMIT = """
    WITH created AS (
        INSERT INTO {event} (uuid, type, payload, created_at) VALUES (%s, %s, %s::jsonb, %s)
        RETURNING id
    )
    SELECT created.id,
           ARRAY(SELECT id FROM {endpoint} WHERE is_active AND events @> %s::varchar[] ORDER BY id)
    FROM created
"""


def body_of(event: Event) -> bytes:
    """The JSON sent for an event; the same bytes on every attempt and replay."""
    document = {
        "id": str(event.uuid),
        "type": event.type,
        "created_at": event.created_at,
        "data": event.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


def backoff(attempts: int) -> timedelta:
    """The pause after failed attempt number `attempts`: base, 2×base, 4×base… capped."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS)
    )


def _lease() -> timedelta:
    margin = getattr(settings, "WEBHOOKS_LEASE_MARGIN_SECONDS", 30)
    return timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS + margin)


def _claimable(now: datetime) -> Q:
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, lease_until__lt=now
    )


def _claim(delivery_id: int, now: datetime) -> tuple[Delivery, Attempt] | None:
    with transaction.atomic(durable=True):
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("event", "endpoint")
            .filter(_claimable(now), pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.status == Delivery.Status.SENDING:
            # The worker that held the lease died mid-send; its attempt never finished.
            delivery.attempt_log.filter(outcome=Attempt.Outcome.SENDING).update(
                outcome=Attempt.Outcome.INTERRUPTED,
                finished_at=now,
                error=_("The worker stopped before the receiver answered."),
            )
        delivery.status = Delivery.Status.SENDING
        delivery.lease_until = now + _lease()
        delivery.attempts += 1
        delivery.save(update_fields=["status", "lease_until", "attempts"])
        attempt = Attempt.objects.create(
            delivery=delivery, number=delivery.attempts, url=delivery.endpoint.url, started_at=now
        )
    return delivery, attempt


def _post(delivery: Delivery, attempt: Attempt) -> None:
    """Send once; fill in the attempt's outcome (unsaved)."""
    endpoint = delivery.endpoint
    problem = None if endpoint.is_active else _("The endpoint is switched off.")
    problem = problem or url_problem(endpoint.url)
    if problem:
        attempt.outcome, attempt.error = Attempt.Outcome.NOT_ALLOWED, problem
        return
    body = body_of(delivery.event)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Rental-Event": delivery.event.type,
        "X-Rental-Delivery": str(delivery.event.uuid),
        "X-Rental-Attempt": str(attempt.number),
        signature.HEADER: signature.sign(secret=endpoint.secret, body=body, timestamp=timestamp),
    }
    try:
        response = requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        attempt.outcome = Attempt.Outcome.NETWORK_ERROR
        attempt.error = f"{type(exc).__name__}: {exc}"[:2000]
        return
    attempt.status_code = response.status_code
    attempt.response_body = response.text[:1000]
    if 200 <= response.status_code < 300:
        attempt.outcome = Attempt.Outcome.SUCCESS
    else:
        attempt.outcome = Attempt.Outcome.HTTP_ERROR
        if 300 <= response.status_code < 400:
            attempt.error = _("Redirects are not followed; register the final URL.")


def _record(delivery: Delivery, attempt: Attempt) -> None:
    now = timezone.now()
    retry_in: timedelta | None = None
    with transaction.atomic(durable=True):
        attempt.finished_at = now
        attempt.save(
            update_fields=["finished_at", "outcome", "status_code", "error", "response_body"]
        )
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != Delivery.Status.SENDING or current.attempts != attempt.number:
            return  # our lease ran out and another worker took over; it decides
        current.lease_until = None
        if attempt.outcome == Attempt.Outcome.SUCCESS:
            current.status = Delivery.Status.DELIVERED
            current.delivered_at = now
            current.next_attempt_at = None
        else:
            pause = backoff(current.attempts)
            window = timedelta(hours=settings.WEBHOOKS_RETRY_WINDOW_HOURS)
            if attempt.outcome == Attempt.Outcome.NOT_ALLOWED or (
                now + pause > current.created_at + window
            ):
                current.status = Delivery.Status.FAILED
                current.next_attempt_at = None
            else:
                current.status = Delivery.Status.PENDING
                current.next_attempt_at = now + pause
                retry_in = pause
        current.save(update_fields=["status", "lease_until", "delivered_at", "next_attempt_at"])
        if retry_in is not None and retry_in.total_seconds() <= MAX_COUNTDOWN:
            pk, countdown = current.pk, retry_in.total_seconds()
            transaction.on_commit(lambda: _task().apply_async(args=[pk], countdown=countdown))
    if attempt.outcome != Attempt.Outcome.SUCCESS:
        logger.warning(
            "Webhook delivery %s attempt %s to %s: %s %s",
            delivery.pk,
            attempt.number,
            attempt.url,
            attempt.status_code or "",
            attempt.error,
        )


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """Try one delivery now if it is due (or its sender died); None if there is nothing to do.

    The claim is committed before the request is sent, so no database transaction stays open
    while we wait on the receiver; the lease keeps a second worker from sending at the same time.
    """
    claimed = _claim(delivery_id, timezone.now())
    if claimed is None:
        return None
    delivery, attempt = claimed
    _post(delivery, attempt)
    _record(delivery, attempt)
    return attempt


def deliveries_due(*, now: datetime | None = None) -> list[int]:
    """Ids of deliveries whose next try is due, or whose sender's lease ran out."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )


def deliveries_enqueue_due(*, now: datetime | None = None) -> int:
    """The minute sweep: queue every due delivery (a queued duplicate finds nothing to claim)."""
    ids = deliveries_due(now=now)
    for pk in ids:
        _task().delay(pk)
    return len(ids)


def delivery_replay(*, delivery: Delivery, by) -> Delivery:
    """Send a finished delivery's event to its endpoint again: a new delivery, its own log."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if not delivery.can_replay():
            raise WebhookError(_("Only a delivered or failed delivery can be replayed."))
        replay = Delivery.objects.create(
            event_id=delivery.event_id,
            endpoint_id=delivery.endpoint_id,
            replay_of=delivery,
            next_attempt_at=timezone.now(),
        )
        audit.record(by, "webhooks.delivery.replayed", replay, replay_of=delivery.pk)
        enqueue_on_commit(_task(), replay.pk)
    return replay


def _task():
    # By name, so that this module does not import the tasks module that imports it.
    return current_app.signature(DELIVER_TASK)
