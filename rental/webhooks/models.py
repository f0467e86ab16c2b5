"""Webhooks: endpoints managers register, the outbox of events, and every delivery attempt.

An Event row is written in the same transaction as the change it reports, with one Delivery per
subscribed endpoint; so a rolled-back change leaves nothing to send and a crash after commit
leaves a pending Delivery that the sweep picks up.
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .events import choices as event_choices


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class AllowedHost(models.Model):
    """A host name managers allow webhooks to be sent to; nothing else is ever contacted."""

    host = models.CharField(
        _("host"), max_length=253, unique=True, help_text=_("e.g. erp.example.com, no scheme")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allowed webhook host")
        verbose_name_plural = _("allowed webhook hosts")
        ordering = ["host"]
        constraints = [
            models.CheckConstraint(
                condition=Q(host=Lower("host")) & ~Q(host=""),
                name="webhooks_allowedhost_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.host

    def save(self, *args, **kwargs):
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)


def url_problem(url: str) -> str | None:
    """Why this URL may not receive webhooks, or None: http(s) to an allowed host only."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return str(_("This is not a valid URL."))
    if parts.scheme not in ("http", "https"):
        return str(_("Only http and https URLs can receive webhooks."))
    if parts.username or parts.password:
        return str(_("Put no user name or password in the URL; the signature authenticates us."))
    if not host or not AllowedHost.objects.filter(host=host).exists():
        return str(
            _("The host %(host)s is not on the list of allowed webhook hosts.") % {"host": host}
        )
    return None


class Endpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its secret."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = ArrayField(
        models.CharField(max_length=40, choices=event_choices()), verbose_name=_("events")
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_("The receiver checks the X-Rental-Signature header with it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="webhooks_endpoint_http_only",
            ),
            models.CheckConstraint(condition=~Q(events=[]), name="webhooks_endpoint_has_events"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problem = url_problem(self.url or "")
        if problem:
            raise ValidationError({"url": problem})
        if len(self.secret or "") < 16:
            raise ValidationError({"secret": _("The secret must have at least 16 characters.")})


class Event(models.Model):
    """The outbox: one row per event that happened, with the payload sent to every endpoint."""

    uuid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event"), max_length=40, choices=event_choices(), db_index=True)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class Delivery(models.Model):
    """One event to one endpoint: pending until a 2xx answer, retried with growing pauses."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        SENDING = "sending", pgettext_lazy("webhook delivery", "Sending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # While a worker sends, the delivery is leased to it; a lease that runs out means the worker
    # died, and the sweep gives the delivery to another.
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    replay_of = models.ForeignKey(
        "self",
        verbose_name=_("replay of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replays",
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"],
                condition=Q(replay_of__isnull=True),
                name="webhooks_delivery_once_per_endpoint",
            ),
            models.CheckConstraint(
                condition=(Q(status="delivered") & Q(delivered_at__isnull=False))
                | (~Q(status="delivered") & Q(delivered_at__isnull=True)),
                name="webhooks_delivery_delivered_at_iff_delivered",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_until__isnull=False),
                name="webhooks_delivery_sending_is_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"

    def can_replay(self) -> bool:
        return self.status in (self.Status.DELIVERED, self.Status.FAILED)


class Attempt(models.Model):
    """One try at sending a delivery: when, what came back, how long it took."""

    class Outcome(models.TextChoices):
        SENDING = "sending", pgettext_lazy("webhook attempt", "Sending")
        SUCCESS = "success", pgettext_lazy("webhook attempt", "Delivered")
        HTTP_ERROR = "http_error", pgettext_lazy("webhook attempt", "Refused by the receiver")
        NETWORK_ERROR = "network_error", pgettext_lazy("webhook attempt", "No answer")
        INTERRUPTED = "interrupted", pgettext_lazy("webhook attempt", "Interrupted")
        NOT_ALLOWED = "not_allowed", pgettext_lazy("webhook attempt", "URL not allowed")

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("attempt"))
    url = models.URLField(_("URL"), max_length=500)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome, default=Outcome.SENDING
    )
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response_body = models.TextField(_("response (start)"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhooks_attempt_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display()}"

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)
