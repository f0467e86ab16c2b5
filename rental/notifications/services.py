"""The notification service: record a message per recipient and channel, deliver it after commit.

Callers (reservations, inspections, the service desk and the sweeps) call `notify()` inside their
own transaction with a key that names the event instance. Rows are rendered at once in each
recipient's language and delivered by a Celery task once the transaction commits; a rollback
leaves no row and sends nothing, and a second call with the same key adds and sends nothing.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.template import Context, Engine, engines
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

    Returns the recipients' notifications for this key, new and already existing, in order.
    """
    notifications: list[Notification] = []
    for recipient in recipients:
        language = _language(recipient.language)
        for channel, address in _addresses(recipient):
            with translation.override(language):
                subject, body = _render(event, channel, {**context, "recipient": recipient})
                params = _plain_params(context)
            notification, created = Notification.objects.get_or_create(
                key=key,
                channel=channel,
                recipient=address,
                defaults={
                    "event": event,
                    "user": recipient.user if getattr(recipient.user, "pk", None) else None,
                    "language": language,
                    "subject": subject[:255],
                    "body": body,
                    "params": params,
                },
            )
            notifications.append(notification)
            if created:
                enqueue_on_commit(_deliver_task(), notification.pk)
    return notifications


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
        fields = ["attempts"]
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
        notification.save(update_fields=["status"])
        audit.record(by, "notifications.notification.retried", notification)
        enqueue_on_commit(_deliver_task(), notification.pk)
    return notification


def _deliver_task():
    # By name, so that this module does not import the tasks module that imports it.
    return current_app.signature(DELIVER_TASK)


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
        phone = e164(recipient.phone)
        if phone:
            addresses.append((Notification.Channel.SMS.value, phone))
        else:
            logger.warning(
                "Not texting %r: %r is not a valid phone number", recipient.name, recipient.phone
            )
    return addresses


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


def _render(event: str, channel: str, context: dict[str, Any]) -> tuple[str, str]:
    def render(part: str) -> str:
        template = _engine().get_template(f"notifications/{event}.{part}.txt")
        return template.render(Context(context, autoescape=False))

    if channel == Notification.Channel.EMAIL:
        return _one_line(render("subject")), _paragraphs(render("email"))
    return "", _one_line(render("sms"))


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
