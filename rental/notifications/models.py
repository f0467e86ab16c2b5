from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notification(models.Model):
    """One message about one event to one address on one channel.

    The row is written (already rendered) in the caller's transaction and delivered by a Celery
    task after commit. The database refuses a second row for the same event instance, channel and
    address, so an event is never recorded, and therefore never sent, twice.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notification status", "Pending")
        SENT = "sent", pgettext_lazy("notification status", "Sent")
        FAILED = "failed", pgettext_lazy("notification status", "Failed")

    event = models.CharField(_("event"), max_length=100, db_index=True)
    key = models.CharField(_("event key"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    recipient = models.CharField(_("recipient address"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    # The context's plain values as strings, for SMS providers that send approved templates with
    # parameters rather than free text (see backends.SmsBackend).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When a delivery last tried it, or the sweep for stranded messages queued it again; a
    # pending message untouched for long lost its task (notifications_requeue_stranded).
    handled_at = models.DateTimeField(_("last handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Only the pending rows, which the sweep for stranded messages reads.
            models.Index(
                Coalesce("handled_at", "created_at"),
                name="notifications_pending_since",
                condition=Q(status="pending"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "recipient"],
                name="notifications_notification_once_per_event",
            ),
            # A sent message has its time, and only a sent message has one.
            models.CheckConstraint(
                condition=(Q(status="sent") & Q(sent_at__isnull=False))
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="notifications_notification_sent_at_iff_sent",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]),
                name="notifications_notification_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient} ({self.get_channel_display()})"

    def can_retry(self) -> bool:
        return self.status == self.Status.FAILED
