from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written by services; the database refuses edits."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
        )


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task, by name."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RollupMonth(models.Model):
    """That a report's rollup holds a month, computed up to `computed_until`. A report reads its
    rollup only when every month of its period is there, and computes from the facts otherwise,
    so a rollup never shows a month it has not been given."""

    name = models.CharField(max_length=40)
    month = models.DateField()  # the first day
    computed_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "month"], name="core_rollup_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.month:%Y-%m}"


class Policy(models.Model):
    """The house policies DOMAIN.md marks *(policy)*: one row, edited by managers in the console.

    A change never reaches back into a signed contract; contracts keep a snapshot of their terms.
    """

    turnaround_buffer_hours = models.DecimalField(
        _("turnaround buffer before and after each rental (hours)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    hold_expiry_hours = models.PositiveIntegerField(
        _("hours a hold waits for an inspection booking"), default=48
    )
    deposit_rate = models.DecimalField(
        _("deposit as a share of replacement value"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    late_return_surcharge = models.DecimalField(
        _("late return surcharge on the rate card"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # A unit back within these minutes of the end is not late (house policy, e.g. 15 minutes);
    # later, the whole extra time is charged. Frozen into a contract at signing.
    late_return_grace_minutes = models.PositiveIntegerField(
        _("minutes after the end before a return counts as late"), default=15
    )
    at_risk_fraction = models.DecimalField(
        _("share of the response time after which a ticket is at risk"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    showroom_opens_at = models.TimeField(_("showroom opens at"), default=time(9, 0))
    showroom_closes_at = models.TimeField(_("showroom closes at"), default=time(18, 0))
    inspections_per_hour = models.PositiveSmallIntegerField(
        _("showroom inspections per hour"), default=2
    )
    no_show_grace_minutes = models.PositiveIntegerField(
        _("minutes after a booked inspection before it counts as missed"), default=120
    )
    backups_kept = models.PositiveSmallIntegerField(
        _("nightly database backups kept"),
        default=14,
        validators=[MinValueValidator(1)],
    )
    # Nobody rents a laptop for a century; a bound also keeps every date sum far from year 9999.
    max_rental_days = models.PositiveIntegerField(
        _("longest rental (days)"),
        default=1096,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policy")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="core_policy_single_row"),
            models.CheckConstraint(
                condition=models.Q(showroom_closes_at__gt=models.F("showroom_opens_at")),
                name="core_policy_showroom_hours_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(backups_kept__gte=1), name="core_policy_keeps_a_backup"
            ),
        ]

    def __str__(self) -> str:
        return str(_("House policy"))

    @property
    def turnaround_buffer(self) -> timedelta:
        return timedelta(hours=float(self.turnaround_buffer_hours))
