"""The notification service: record messages per recipient and channel, deliver them after commit.

Callers (reservations, inspections, the service desk and the sweeps) call `notify()` for one event
instance, or `notify_many()` for many at once, inside their own transaction with a key that names
each event instance. Rows are rendered at once in each recipient's language and recorded in one
`INSERT … ON CONFLICT DO NOTHING RETURNING` per batch; the new rows are delivered by one Celery
task per batch and channel once the transaction commits. A rollback leaves no row and sends
nothing, and a second call with the same key adds and sends nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.template import Context, Engine, Template, engines
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rental.core import audit
from rental.core.errors import Conflict
from rental.core.phones import e164
from rental.core.tasks import enqueue_on_commit

from . import backends
from .models import Notification

logger = logging.getLogger(__name__)

DELIVER_TASK = "rental.notifications.tasks.notification_deliver"
DELIVER_BATCH_TASK = "rental.notifications.tasks.notifications_deliver"
# Rows per INSERT: one statement of ~1,000 rows (one JSON parameter of ~0.5 MB) takes ~20 ms.
INSERT_BATCH = 1000
# Notifications per delivery task: enough that enqueueing costs little (a task per batch and
# channel, not per row), few enough that several workers share a large announcement and a batch
# of slow sends (~0.2 s each) stays inside the task's 240 s soft time limit.
DELIVER_BATCH = 500
# Pending messages the sweep queues again per transaction.
REQUEUE_BATCH = 1000


class NotificationError(Conflict):
    pass


class DeliveryFailed(Exception):
    """A backend failed to send and a later attempt may succeed."""


@dataclass(frozen=True)
class Recipient:
    """Who receives a notification: by e-mail if `email` is set, by SMS if `phone` is set."""

    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "zh-hans"
    user: Any = None

    @classmethod
    def for_user(cls, user) -> Recipient:
        """A user's own name, addresses and preferred language."""
        return cls(
            name=user.get_full_name() or user.get_username(),
            email=user.email or None,
            phone=getattr(user, "phone", "") or None,
            language=getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE,
            user=user,
        )


@dataclass(frozen=True)
class Notice:
    """One event instance (`key`) told to some recipients with one context: a unit of
    `notify_many`. Several notices may share a key (one per audience, each with its own link)."""

    key: str
    recipients: Sequence[Recipient]
    context: Mapping[str, Any]


def notify(
    *, event: str, key: str, recipients: Iterable[Recipient], context: Mapping[str, Any]
) -> list[Notification]:
    """Record `event` for each recipient on each channel they have, and deliver it after commit.

    `key` names the event instance ("reservation:12:confirmed", "contract:9:overdue:2026-11-22");
    the database holds one row per key, channel and address, so calling again with the same key
    creates and sends nothing new. Subject and text are rendered now, in each recipient's
    language, from `templates/notifications/<event>.subject.txt`, `.email.txt` and `.sms.txt`
    with `context` plus `recipient`. Pass lazy translations (`gettext_lazy`) for free text so that
    each recipient reads it in their own language.

    This is `notify_many` with one notice: one INSERT, one delivery task per channel. Returns the
    recipients' notifications for this key, new and already existing, in order.
    """
    rows = _rows([(event, Notice(key=key, recipients=tuple(recipients), context=context))])
    created = _record(rows)
    missing = [row for row in rows if row.slot not in created]
    existing = {}
    if missing:
        found = Notification.objects.filter(key=key, recipient__in={r.address for r in missing})
        existing = {(n.key, n.channel, n.recipient): n for n in found}
    notifications = []
    for row in rows:
        if row.slot in created:
            notifications.append(row.notification(created[row.slot]))
        elif row.slot in existing:
            notifications.append(existing[row.slot])
        # Else a concurrent transaction inserted the row and then rolled back: nothing to return.
    return notifications


def notify_many(*, event: str, notices: Iterable[Notice]) -> int:
    """`notify()` for many event instances of one event at once: the sweeps' and batch jobs' way.

    Every notice is rendered for each of its recipients in their language (see `_rows`), the
    rows are written by one `INSERT … ON CONFLICT DO NOTHING RETURNING` per `INSERT_BATCH`, and
    the new ones are delivered after commit by one task per channel and `DELIVER_BATCH` rows. A
    row whose key, channel and address is already recorded (by an earlier call, a notice earlier
    in this one, or a concurrent transaction that commits) is skipped. Returns how many
    notifications were created.
    """
    return len(_record(_rows((event, notice) for notice in notices)))


def notify_together(*, notices: Iterable[tuple[str, Notice]]) -> int:
    """`notify_many` for notices of different events told in one step (a reservation's notice
    to its customer and the front desk's own): one INSERT and one delivery task per channel for
    all of them. Returns how many notifications were created."""
    return len(_record(_rows(notices)))


@dataclass
class _Row:
    event: str
    key: str
    channel: str
    address: str
    recipient: Recipient
    language: str
    subject: str = ""
    body: str = ""
    params: dict[str, str] | None = None

    @property
    def slot(self) -> tuple[str, str, str]:
        return (self.key, self.channel, self.address)

    def notification(self, inserted: tuple[int, datetime]) -> Notification:
        pk, created_at = inserted
        return Notification(
            pk=pk,
            event=self.event,
            key=self.key,
            channel=self.channel,
            recipient=self.address,
            user_id=_user_id(self.recipient),
            language=self.language,
            subject=self.subject[:255],
            body=self.body,
            params=self.params,
            status=Notification.Status.PENDING,
            created_at=created_at,
        )


def _rows(notices: Iterable[tuple[str, Notice]]) -> list[_Row]:
    """One rendered row per key, channel and address, in notice and recipient order.

    Rows are rendered language by language, so each language is activated once. Within a
    language and event, a part (subject, e-mail, SMS) is rendered once per distinct context and
    the recipient's name put in afterwards when the template allows it (see `_Renderer`), and
    the plain parameters are computed once per context.
    """
    rows: list[_Row] = []
    seen: set[tuple[str, str, str]] = set()
    pending_by: dict[tuple[str, str], list[tuple[_Row, Mapping[str, Any]]]] = defaultdict(list)
    for event, notice in notices:
        for recipient in notice.recipients:
            language = _language(recipient.language)
            for channel, address in _addresses(recipient):
                row = _Row(event, notice.key, channel, address, recipient, language)
                if row.slot in seen:
                    continue
                seen.add(row.slot)
                rows.append(row)
                pending_by[language, event].append((row, notice.context))
    for (language, event), pending in pending_by.items():
        with translation.override(language):
            renderer = _Renderer(event)
            for row, context in pending:
                row.subject, row.body, row.params = renderer.render(
                    row.channel, context, row.recipient
                )
    return rows


# Stands for the recipient's name while a part is rendered once for several recipients: long, and
# in mixed case with spaces and CJK, so that any filter (upper, title, truncatechars, slugify…)
# would change it and be noticed. Private-use characters make a clash with real text impossible.
_NAME_PROBE = "\ue000pRoBe nAmE 收件人 of A notification, lOnGeR tHaN aNy TrUnCaTiOn\ue001"
_FROZEN_TYPES = (str, int, float, Decimal, date, datetime, bool, type(None))


class _NameProbe:
    """The `recipient` of a render shared by several recipients: it gives `name` (the probe) and
    records every attribute asked of it, so that a template using anything else is noticed."""

    def __init__(self):
        self.__dict__["asked"] = []

    def __getattr__(self, attribute: str):
        self.asked.append(attribute)
        if attribute == "name":
            return _NAME_PROBE
        raise AttributeError(attribute)


class _Renderer:
    """Renders one event's parts in the active language, reusing what recipients share.

    A part rendered with the `_NameProbe` is reused for every recipient of an equal context
    (frozen by `_freeze`) when the render asked the recipient for its name only and printed the
    probe unchanged once per time it asked; the recipient's own name then replaces the probe.
    Otherwise (a template that reads the e-mail address, tests the name, filters it…) the part is
    rendered for each recipient, as it always may be.
    """

    def __init__(self, event: str):
        self.event = event
        # (part, frozen context) → (raw text, normalised text) with the probe, or None.
        self.parts: dict[tuple[str, Any], tuple[str, str] | None] = {}
        self.frozen: dict[int, Any] = {}  # id(context) → _freeze(context), for this call's contexts
        self.params: dict[Any, dict[str, str]] = {}

    def render(
        self, channel: str, context: Mapping[str, Any], recipient: Recipient
    ) -> tuple[str, str, dict[str, str]]:
        frozen = self.frozen.get(id(context))
        if frozen is None:
            frozen = self.frozen[id(context)] = _freeze(context)
            if frozen not in self.params:
                self.params[frozen] = _plain_params(context)
        if channel == Notification.Channel.EMAIL:
            subject = self._part("subject", _one_line, frozen, context, recipient)
            body = self._part("email", _paragraphs, frozen, context, recipient)
        else:
            subject, body = "", self._part("sms", _one_line, frozen, context, recipient)
        return subject, body, self.params[frozen]

    def _part(self, part: str, normalise, frozen, context, recipient: Recipient) -> str:
        template = _template(self.event, part)
        key = (part, frozen)
        if key not in self.parts:
            probe = _NameProbe()
            raw = template.render(Context({**context, "recipient": probe}, autoescape=False))
            reusable = set(probe.asked) <= {"name"} and raw.count(_NAME_PROBE) == len(probe.asked)
            self.parts[key] = (raw, normalise(raw)) if reusable else None
        shared = self.parts[key]
        if shared is None:
            return normalise(
                template.render(Context({**context, "recipient": recipient}, autoescape=False))
            )
        raw, normalised = shared
        name = recipient.name
        # Normalising (whitespace runs to one space, lines right-stripped) and putting the name in
        # commute for a non-empty name without edge or repeated whitespace: the usual case.
        if name and " ".join(name.split()) == name:
            return normalised.replace(_NAME_PROBE, name)
        return normalise(raw.replace(_NAME_PROBE, name))


def _freeze(context: Mapping[str, Any]) -> Any:
    """A hashable stand-in for a context of plain values (equal contexts, equal keys); else the
    context's identity, so only the recipients of one notice share its renders."""
    items = []
    for name, value in context.items():
        if isinstance(value, Promise):
            value = ("lazy", str(value))  # its text in the active language
        elif not isinstance(value, _FROZEN_TYPES):
            return ("id", id(context))
        items.append((name, type(value).__name__, value))
    return tuple(items)


_INSERT = """
    INSERT INTO {table} (event, key, channel, recipient, user_id, language, subject, body, params,
                         status, attempts, last_error, provider_message_id, created_at)
    SELECT e, k, c, r, u, l, s, b, p, %s, 0, '', '', %s
    FROM json_to_recordset(%s::json)
        AS t(e text, k text, c text, r text, u bigint, l text, s text, b text, p jsonb)
    ON CONFLICT (key, channel, recipient) DO NOTHING
    RETURNING id, key, channel, recipient
"""


def _record(rows: list[_Row]) -> dict[tuple[str, str, str], tuple[int, datetime]]:
    """Insert the rows in batches, skip those already recorded, enqueue the new ones' delivery
    after commit; the new rows' ids and creation time by key, channel and address."""
    created: dict[tuple[str, str, str], tuple[int, datetime]] = {}
    if not rows:
        return created
    sql = _INSERT.format(table=connection.ops.quote_name(Notification._meta.db_table))
    now = timezone.now()
    # No savepoint: inside the caller's transaction the batches are simply part of it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            # The rows travel as one JSON parameter: psycopg quotes one string instead of
            # thousands, and PostgreSQL unpacks it with json_to_recordset.
            payload = json.dumps(
                [
                    {
                        "e": r.event,
                        "k": r.key,
                        "c": r.channel,
                        "r": r.address,
                        "u": _user_id(r.recipient),
                        "l": r.language,
                        "s": r.subject[:255],
                        "b": r.body,
                        "p": r.params,
                    }
                    for r in batch
                ],
                ensure_ascii=False,
            )
            cursor.execute(sql, [Notification.Status.PENDING.value, now, payload])
            for pk, key, channel, address in cursor.fetchall():
                created[key, channel, address] = (pk, now)
    # In row order, so each channel's messages go out in the callers' order.
    _enqueue_delivery((r.channel, created[r.slot][0]) for r in rows if r.slot in created)
    return created


def _enqueue_delivery(messages: Iterable[tuple[str, int]]) -> None:
    """Deliver these (channel, id) after commit: one task per channel and DELIVER_BATCH."""
    by_channel: dict[str, list[int]] = defaultdict(list)
    for channel, pk in messages:
        by_channel[channel].append(pk)
    for ids in by_channel.values():
        for start in range(0, len(ids), DELIVER_BATCH):
            enqueue_on_commit(_deliver_batch_task(), ids[start : start + DELIVER_BATCH])


def _user_id(recipient: Recipient) -> int | None:
    return getattr(recipient.user, "pk", None)


def max_retries() -> int:
    return settings.NOTIFICATIONS_MAX_RETRIES


def retry_countdown(retries: int) -> float:
    """Seconds before retry number `retries + 1`: 30, 60, 120, 240, 480 by default."""
    return settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS * 2**retries


def stranded_after() -> timedelta:
    """How long a pending message may go untouched before the sweep queues it again: the setting,
    and never less than the longest back-off between two tries plus a minute, so a message
    waiting for its retry is left to it."""
    longest = retry_countdown(max_retries() - 1) if max_retries() else 0
    return timedelta(seconds=max(settings.NOTIFICATIONS_STRANDED_AFTER_SECONDS, longest + 60))


def notifications_requeue_stranded(*, now: datetime | None = None) -> int:
    """Queue again the delivery of every pending message nothing has handled for
    `stranded_after()`: its task was lost between the commit and the broker (the process killed
    in between, the broker down or restarted without its queue). Deliveries are idempotent, so a
    task that was only late sends nothing twice. Each message queued is marked handled, so that
    while the workers are down the next sweeps wait again instead of queueing it once a run.
    Returns how many were queued again."""
    now = now or timezone.now()
    sql = _STRANDED.format(table=connection.ops.quote_name(Notification._meta.db_table))
    params = {
        "pending": Notification.Status.PENDING.value,
        "cutoff": now - stranded_after(),
        "now": now,
        "limit": REQUEUE_BATCH,
    }
    queued = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = sorted(cursor.fetchall())
            _enqueue_delivery((channel, pk) for pk, channel in rows)
        queued += len(rows)
        if len(rows) < REQUEUE_BATCH:
            return queued


# SKIP LOCKED: a message being sent right now holds its row lock (notification_deliver).
_STRANDED = """
    UPDATE {table} SET handled_at = %(now)s
    WHERE id IN (
        SELECT id FROM {table}
        WHERE status = %(pending)s AND coalesce(handled_at, created_at) < %(cutoff)s
        ORDER BY coalesce(handled_at, created_at)
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, channel
"""


def notifications_deliver(
    *, notification_ids: Sequence[int], last_attempt: bool = False
) -> list[int]:
    """Deliver a batch: each notification as `notification_deliver` does, in its own
    transaction, so a worker killed mid-batch leaves the sent ones sent and the rest pending for
    the redelivered task. Returns the ids that failed and may succeed later (to retry)."""
    retry = []
    for notification_id in notification_ids:
        try:
            notification_deliver(notification_id=notification_id, last_attempt=last_attempt)
        except DeliveryFailed:
            retry.append(notification_id)
    return retry


def notification_deliver(
    *, notification_id: int, last_attempt: bool = False
) -> Notification | None:
    """Send one pending notification through its channel's backend; mark it sent.

    The row stays locked while the backend sends, so two deliveries of the same task (a worker lost
    with `acks_late`) run one after the other and the second finds it sent. A backend failure is
    recorded on the row (attempts, last error) and raised as `DeliveryFailed` for the task to
    retry; on the `last_attempt`, or when the backend says retrying cannot help, the notification
    is marked failed instead. A notification that is not pending is left alone.
    """
    error: Exception | None = None
    give_up = False
    with transaction.atomic(durable=True):
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.PENDING:
            return notification
        try:
            message_id = _send(notification)
        except backends.PermanentDeliveryError as exc:
            error, give_up = exc, True
        except Exception as exc:  # any backend failure is recorded, then retried
            error, give_up = exc, last_attempt
        notification.attempts += 1
        notification.handled_at = timezone.now()
        fields = ["attempts", "handled_at"]
        if error is None:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.provider_message_id = (message_id or "")[:255]
            fields += ["status", "sent_at", "provider_message_id"]
        else:
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            fields.append("last_error")
            if give_up:
                notification.status = Notification.Status.FAILED
                fields.append("status")
            logger.warning(
                "Notification %s (%s to %s) attempt %s failed: %s",
                notification.pk,
                notification.channel,
                notification.recipient,
                notification.attempts,
                notification.last_error,
            )
        notification.save(update_fields=fields)
    if error is not None and not give_up:
        raise DeliveryFailed(notification.last_error) from error
    return notification


def notification_retry(*, notification: Notification, by) -> Notification:
    """Send a failed notification again: back to pending, delivered after commit."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if not notification.can_retry():
            raise NotificationError(_("Only a failed notification can be sent again."))
        notification.status = Notification.Status.PENDING
        notification.handled_at = timezone.now()
        notification.save(update_fields=["status", "handled_at"])
        audit.record(by, "notifications.notification.retried", notification)
        enqueue_on_commit(_deliver_task(), notification.pk)
    return notification


def _deliver_task():
    # By name, so that this module does not import the tasks module that imports it.
    return current_app.signature(DELIVER_TASK)


def _deliver_batch_task():
    return current_app.signature(DELIVER_BATCH_TASK)


def _send(notification: Notification) -> str:
    if notification.channel == Notification.Channel.EMAIL:
        return backends.email_backend().send(
            to=notification.recipient, subject=notification.subject, body=notification.body
        )
    return backends.sms_backend().send(
        notification.recipient,
        notification.body,
        event=notification.event,
        params=notification.params,
    )


def _language(code: str | None) -> str:
    code = (code or "").lower()
    known = {language for language, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _addresses(recipient: Recipient) -> list[tuple[str, str]]:
    addresses = []
    email = (recipient.email or "").strip().lower()
    if email:
        if "@" in email and " " not in email:
            addresses.append((Notification.Channel.EMAIL.value, email))
        else:
            logger.warning("Not e-mailing %r: %r is not an e-mail address", recipient.name, email)
    if recipient.phone:
        phone = _e164(recipient.phone)
        if phone:
            addresses.append((Notification.Channel.SMS.value, phone))
        else:
            logger.warning(
                "Not texting %r: %r is not a valid phone number", recipient.name, recipient.phone
            )
    return addresses


# Parsing a number costs ~50 µs; a sweep meets the same staff and technicians thousands of times.
_e164 = functools.lru_cache(maxsize=4096)(e164)


@functools.cache
def _engine() -> Engine:
    """The project's template directories and libraries, without HTML escaping: plain text."""
    project = engines["django"].engine
    return Engine(
        dirs=project.dirs,
        app_dirs=project.app_dirs,
        libraries=project.libraries,
        autoescape=False,
    )


@functools.lru_cache(maxsize=512)
def _template(event: str, part: str) -> Template:
    """Each event's parts are compiled once per process: a compiled template serves every
    language, since `{% translate %}` looks its text up when rendered."""
    return _engine().get_template(f"notifications/{event}.{part}.txt")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _plain_params(context: Mapping[str, Any]) -> dict[str, str]:
    """The context's plain values as strings, times in local time, for template-based SMS."""
    params = {}
    for name, value in context.items():
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            params[name] = value.strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, date):
            params[name] = value.isoformat()
        elif isinstance(value, str | int | float | Decimal | Promise):
            params[name] = str(value)
    return params
