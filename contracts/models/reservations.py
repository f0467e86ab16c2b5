"""Reservations: the customer's request, the units held for it, and the on-site inspection."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Asset, CalendarEntry, EquipmentModel

from .choices import TIER_CHOICES
from .customers import Address, Customer


class Fulfilment(models.TextChoices):
    DELIVERY = "delivery", _("Delivery to the customer")
    COLLECTION = "collection", _("Collection at the office")


class Reservation(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held, awaiting an inspection booking")
        INSPECTION_BOOKED = "inspection_booked", _("Inspection booked")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined at inspection")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.HELD, Status.INSPECTION_BOOKED)

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="reservations"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.HELD, db_index=True
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    fulfilment = models.CharField(_("fulfilment"), max_length=20, choices=Fulfilment)
    address = models.ForeignKey(
        Address, verbose_name=_("address"), null=True, blank=True, on_delete=models.PROTECT
    )
    tier = models.CharField(_("service tier"), max_length=20, choices=TIER_CHOICES)
    quote = models.JSONField(_("quote"), default=dict)
    hold_expires_at = models.DateTimeField(_("hold expires at"))
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the customer and the front desk were told of it (services.reservation_announce, in
    # the worker); empty until then.
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        indexes = [
            # The announcing sweep's few rows, without reading every reservation.
            models.Index(
                fields=["created_at"],
                condition=Q(announced_at__isnull=True),
                name="contracts_res_unannounced",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="contracts_reservation_period"
            ),
            models.CheckConstraint(
                condition=Q(fulfilment="collection") | Q(address__isnull=False),
                name="contracts_reservation_delivery_needs_address",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_book_inspection(self) -> bool:
        return self.is_open

    def can_cancel_inspection(self) -> bool:
        return self.status == self.Status.INSPECTION_BOOKED

    def can_record_outcome(self) -> bool:
        return self.status == self.Status.INSPECTION_BOOKED

    def can_cancel(self) -> bool:
        return self.is_open


class ReservationLine(models.Model):
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="lines")
    model = models.ForeignKey(EquipmentModel, verbose_name=_("model"), on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    rent = models.DecimalField(_("rent per unit"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("reservation line")
        verbose_name_plural = _("reservation lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="contracts_line_quantity"),
            models.CheckConstraint(condition=Q(rent__gte=0), name="contracts_line_rent"),
        ]

    def __str__(self) -> str:
        return f"{self.model} × {self.quantity}"


class ReservationUnit(models.Model):
    """A concrete unit held for a line; its calendar entry is what keeps it from others."""

    class Outcome(models.TextChoices):
        HELD = "held", _("Held")
        ACCEPTED = "accepted", _("Accepted")
        RELEASED = "released", _("Released")

    line = models.ForeignKey(ReservationLine, on_delete=models.CASCADE, related_name="units")
    asset = models.ForeignKey(Asset, verbose_name=_("unit"), on_delete=models.PROTECT)
    calendar_entry = models.OneToOneField(CalendarEntry, on_delete=models.PROTECT)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, default=Outcome.HELD)

    class Meta:
        verbose_name = _("held unit")
        verbose_name_plural = _("held units")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.asset)


class Inspection(models.Model):
    """When and where the customer sees the goods before deciding (网下现场看货)."""

    class Place(models.TextChoices):
        SHOWROOM = "showroom", _("At our showroom")
        SITE = "site", _("At my site, on delivery")
        # Collecting customers can always look the goods over at the counter when they collect,
        # however close the start: no showroom slot is needed.
        COLLECTION = "collection", _("At our office, when I collect")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed by staff")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.BOOKED, Status.CONFIRMED)

    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="inspections"
    )
    place = models.CharField(_("place"), max_length=20, choices=Place)
    starts_at = models.DateTimeField(_("time"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.BOOKED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation"],
                condition=Q(status__in=["booked", "confirmed"]),
                name="contracts_one_active_inspection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reservation} {self.get_place_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def can_confirm(self) -> bool:
        return self.status == self.Status.BOOKED
