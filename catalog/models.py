"""What we own and when it is free.

An asset (one physical, serial-numbered unit) is free for a period when no active calendar entry
of it overlaps that period. Entries carry the turnaround buffer in their blocked range, and an
exclusion constraint in PostgreSQL refuses two active overlapping entries of one unit.
"""

from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rental.core.i18n import pick

from .pricing import RateCard

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


class Brand(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return pick(self.name_zh, self.name) if self.name_zh else self.name


class EquipmentModel(models.Model):
    """A model we rent out, with its rate card. Units of it are Assets."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="models"
    )
    brand = models.ForeignKey(
        Brand, verbose_name=_("brand"), on_delete=models.PROTECT, related_name="models"
    )
    name = models.CharField(_("model name"), max_length=150)
    slug = models.SlugField(_("slug"), unique=True, max_length=160)
    summary_zh = models.CharField(_("summary (Chinese)"), max_length=300, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=300, blank=True)
    # Structured specs, e.g. {"cpu": "Intel Core i5-1240P", "ram_gb": 16, "storage": "512 GB SSD",
    # "screen_in": 14, "lumens": 3600}; keys are listed in catalog.specs.SPEC_FIELDS.
    specs = models.JSONField(_("specifications"), default=dict, blank=True)
    # What goes out with each unit, checked again at return:
    # [{"zh": "电源适配器", "en": "Power adapter"}]
    accessories = models.JSONField(_("accessories"), default=list, blank=True)
    replacement_value = models.DecimalField(_("replacement value (CNY)"), **MONEY)
    deposit_amount = models.DecimalField(
        _("deposit per unit (CNY)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the replacement value × the deposit rate."),
        **MONEY,
    )
    hour_rate = models.DecimalField(_("rent per hour"), **MONEY)
    day_rate = models.DecimalField(_("rent per day"), **MONEY)
    week_rate = models.DecimalField(_("rent per week"), **MONEY)
    month_rate = models.DecimalField(_("rent per month (30 days)"), **MONEY)
    is_active = models.BooleanField(_("offered for rent"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("equipment model")
        verbose_name_plural = _("equipment models")
        ordering = ["category__position", "brand__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "name"], name="catalog_model_brand_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(hour_rate__gte=0)
                & Q(day_rate__gte=0)
                & Q(week_rate__gte=0)
                & Q(month_rate__gte=0)
                & Q(replacement_value__gte=0)
                & (Q(deposit_amount__isnull=True) | Q(deposit_amount__gte=0)),
                name="catalog_model_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand.name} {self.name}"

    @property
    def summary(self) -> str:
        return pick(self.summary_zh, self.summary_en)

    def rate_card(self) -> RateCard:
        return RateCard(
            hour=self.hour_rate, day=self.day_rate, week=self.week_rate, month=self.month_rate
        )


def model_photo_path(instance: "ModelPhoto", filename: str) -> str:
    return f"catalog/models/{instance.model_id}/{filename}"


class ModelPhoto(models.Model):
    model = models.ForeignKey(EquipmentModel, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=model_photo_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Depot(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    """One physical unit, known by its serial number and the asset tag on its QR label."""

    class ServiceStatus(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        IN_REPAIR = "in_repair", _("In repair")
        RETIRED = "retired", _("Retired")

    model = models.ForeignKey(
        EquipmentModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="assets"
    )
    serial_number = models.CharField(_("serial number"), max_length=100)
    asset_tag = models.CharField(_("asset tag"), max_length=32, unique=True)
    depot = models.ForeignKey(Depot, verbose_name=_("depot"), on_delete=models.PROTECT)
    # The purchase date and price, for the per-unit report's return on investment.
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    purchase_cost = models.DecimalField(
        _("purchase cost (CNY)"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    condition_notes = models.TextField(_("condition notes"), blank=True)
    service_status = models.CharField(
        _("service status"),
        max_length=20,
        choices=ServiceStatus,
        default=ServiceStatus.IN_SERVICE,
        db_index=True,
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["model_id", "asset_tag"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "serial_number"], name="catalog_asset_serial_unique_per_model"
            ),
            models.CheckConstraint(
                condition=Q(purchase_cost__isnull=True) | Q(purchase_cost__gte=0),
                name="catalog_asset_purchase_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} ({self.serial_number})"


class CalendarEntry(models.Model):
    """A period in which a unit is not free: a reservation hold, a rental or a maintenance block.

    `starts_at`/`ends_at` are the customer's period; `blocked` adds the turnaround buffer on each
    side and is what the exclusion constraint compares. Released entries stay as history.
    """

    class Kind(models.TextChoices):
        HOLD = "hold", _("Reservation hold")
        RENTAL = "rental", _("Rental")
        MAINTENANCE = "maintenance", _("Maintenance")

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="calendar"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    blocked = DateTimeRangeField(_("blocked period (with buffer)"))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        ordering = ["starts_at"]
        indexes = [
            # The all-models free count filters on the range alone; the constraint's index
            # leads with the asset and is slow for that.
            GistIndex(
                fields=["blocked"], name="catalog_cal_active_blocked", condition=Q(is_active=True)
            ),
        ]
        constraints = [
            # Also the GiST index that availability queries use.
            ExclusionConstraint(
                name="catalog_calendar_no_overlap",
                expressions=[("asset", RangeOperators.EQUAL), ("blocked", RangeOperators.OVERLAPS)],
                condition=Q(is_active=True),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="catalog_calendar_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, released_at__isnull=True)
                | Q(is_active=False, released_at__isnull=False),
                name="catalog_calendar_released_consistent",
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"
        return f"{self.asset} {self.get_kind_display()} {period}"


class RepairPeriod(models.Model):
    """A time a unit spent in repair, opened and closed by `asset_set_service_status`, so the
    utilisation report counts the downtime as it happened (an open period runs until now)."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.PROTECT, related_name="repairs"
    )
    started_at = models.DateTimeField(_("in repair from"))
    ended_at = models.DateTimeField(_("back in service at"), null=True, blank=True)

    class Meta:
        verbose_name = _("repair period")
        verbose_name_plural = _("repair periods")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(ended_at__isnull=True),
                name="catalog_repair_one_open_per_asset",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="catalog_repair_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.started_at:%Y-%m-%d}"


# A unit's hours in a rollup row add up: down time and rented time within the hours it existed.
HOURS_ADD_UP = (
    Q(down_seconds__lte=F("period_seconds"))
    & Q(rented_seconds__lte=F("period_seconds") - F("down_seconds"))
    & Q(rented_seconds__gte=0)
    & Q(down_seconds__gte=0)
)


class UnitHours(models.Model):
    """One unit's hours in one bucket of a utilisation rollup, computed up to `computed_until`
    (the bucket's end, or the moment of the last refresh for the bucket still running)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    period_seconds = models.BigIntegerField()  # the unit's hours in the bucket, since acquired
    down_seconds = models.BigIntegerField()
    rented_seconds = models.BigIntegerField()
    computed_until = models.DateTimeField()

    class Meta:
        abstract = True


class UnitMonth(UnitHours):
    """The utilisation rollup per Shanghai calendar month. Written only by
    `catalog.reports.unit_months_refresh` (idempotent, from the calendar and the repair periods);
    the monthly utilisation report reads these rows instead of the calendar."""

    month = models.DateField()  # the first day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "month"], name="catalog_unit_month_once"),
            models.CheckConstraint(condition=HOURS_ADD_UP, name="catalog_unit_month_hours_add_up"),
        ]
        indexes = [models.Index(fields=["month"], name="catalog_unit_month_month")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.month:%Y-%m}"


class UnitWeek(UnitHours):
    """The weekly utilisation rollup in pieces: the week cut at the edges of its month, so that a
    period of whole months is made of whole pieces. `day` is the piece's first day. Written only
    by `catalog.reports.unit_weeks_refresh`."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "day"], name="catalog_unit_week_once"),
            models.CheckConstraint(condition=HOURS_ADD_UP, name="catalog_unit_week_hours_add_up"),
        ]
        indexes = [models.Index(fields=["day"], name="catalog_unit_week_day")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.day}"


class UnitIsoWeek(UnitHours):
    """The weekly utilisation rollup for whole weeks: one ISO week, Monday to Monday, computed as
    one bucket. A weekly report's weeks are whole except the first and last, which its period
    cuts at a month's edge: those come from the pieces (`UnitWeek`), the rest from here, so a
    report reads one row per unit and week instead of summing pieces. `week` is the Monday.
    Written only by `catalog.reports.unit_weeks_refresh`."""

    week = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "week"], name="catalog_unit_iso_week_once"),
            models.CheckConstraint(
                condition=Q(week__week_day=2) & HOURS_ADD_UP,  # a Monday (Sunday is 1)
                name="catalog_unit_iso_week_hours_add_up",
            ),
        ]
        indexes = [models.Index(fields=["week"], name="catalog_unit_iso_week_week")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.week}"
