"""Service tickets (叫修): on-site repairs, repairs at our tech department, delivery/pickup trips.

A ticket copies what its rules need when it is opened (tier, zone, distance, site, the deadline and
its explanation) so that later edits of a contract or an address never change a running ticket.
The database refuses states that must never happen: a closed ticket without a fee, a fee outside
its stored range, a dispatched ticket without a deadline or technician, timestamps out of order.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..terms import TIER_LABELS, TIERS, ZONE_LABELS, ZONES

TIER_CHOICES = [(tier, _(label)) for tier, label in TIER_LABELS.items()]
ZONE_CHOICES = [(zone, _(label)) for zone, label in ZONE_LABELS.items()]


class TicketKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware fault")
    SOFTWARE = "software", _("Software (Windows, Office, network)")
    DELIVERY = "delivery", _("Delivery")
    PICKUP = "pickup", _("Pickup")
    OTHER = "other", _("Other")


class TicketPath(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    WORKSHOP = "workshop", _("At our tech department")


class TicketChannel(models.TextChoices):
    ONLINE = "online", _("Online by the customer")
    PHONE = "phone", _("Phone call")
    COUNTER = "counter", _("Brought to our tech department")
    SCHEDULED = "scheduled", _("Scheduled by staff")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    ASSIGNED = "assigned", pgettext_lazy("ticket status", "Assigned")
    EN_ROUTE = "en_route", pgettext_lazy("ticket status", "En route")
    ON_SITE = "on_site", pgettext_lazy("ticket status", "On site")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("ticket status", "Cancelled")
    RECEIVED = "received", pgettext_lazy("ticket status", "Received at the workshop")
    REPAIRED = "repaired", pgettext_lazy("ticket status", "Repaired")
    COLLECTED = "collected", pgettext_lazy("ticket status", "Collected")


class DeadlineSource(models.TextChoices):
    AUTOMATIC = "automatic", _("From the service terms")
    MANUAL = "manual", _("Set by staff")
    SCHEDULED = "scheduled", _("Scheduled trip")
    NONE = "none", _("No deadline yet")


class Outcome(models.TextChoices):
    """Whether a technician was on site by the deadline, recorded at arrival for the reports."""

    MET = "met", _("Met")
    LATE = "late", _("Late")


class WorkKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware repair")
    SOFTWARE = "software", _("Software repair")
    NONE = "none", _("No repair (advice or check only)")


def _constraints() -> list[models.BaseConstraint]:
    S = TicketStatus
    on_site_statuses = [
        S.NEW,
        S.ASSIGNED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.RESOLVED,
        S.CLOSED,
        S.CANCELLED,
    ]
    workshop_statuses = [S.RECEIVED, S.REPAIRED, S.COLLECTED, S.CANCELLED]

    def check(name: str, condition: Q) -> models.CheckConstraint:
        return models.CheckConstraint(condition=condition, name=f"service_tickets_{name}")

    def ordered(later: str, earlier: str) -> Q:
        return (
            Q(**{f"{later}__isnull": True})
            | Q(**{f"{earlier}__isnull": True})
            | Q(**{f"{later}__gte": F(earlier)})
        )

    return [
        check("known_kind", Q(kind__in=TicketKind.values)),
        check("known_tier", Q(tier__in=TIERS)),
        check("known_zone", Q(zone__in=ZONES)),
        check("distance_not_negative", Q(distance_km__gte=0)),
        check(
            "status_matches_path",
            Q(path="on_site", status__in=on_site_statuses)
            | Q(path="workshop", status__in=workshop_statuses),
        ),
        check("trip_on_site", ~Q(kind__in=["delivery", "pickup"]) | Q(path="on_site")),
        check(
            "trip_scheduled", ~Q(kind__in=["delivery", "pickup"]) | Q(scheduled_for__isnull=False)
        ),
        # Dispatch needs a deadline and a technician (DOMAIN.md: "staff set one by hand").
        check(
            "dispatched_has_deadline_and_technician",
            ~Q(status__in=[S.ASSIGNED, S.EN_ROUTE, S.ON_SITE, S.RESOLVED, S.CLOSED])
            | Q(deadline__isnull=False, technician__isnull=False, assigned_at__isnull=False),
        ),
        check(
            "on_site_has_arrival",
            ~Q(status__in=[S.ON_SITE, S.RESOLVED, S.CLOSED]) | Q(arrived_at__isnull=False),
        ),
        check(
            "resolved_has_time",
            ~Q(status__in=[S.RESOLVED, S.CLOSED, S.REPAIRED, S.COLLECTED])
            | Q(resolved_at__isnull=False),
        ),
        check(
            "closed_has_fee",
            ~Q(status__in=[S.CLOSED, S.COLLECTED])
            | Q(closed_at__isnull=False, fee__isnull=False, fee_low__isnull=False),
        ),
        check(
            "cancelled_has_reason",
            ~Q(status=S.CANCELLED) | (Q(cancelled_at__isnull=False) & ~Q(cancel_reason="")),
        ),
        check(
            "fee_range_ordered",
            Q(fee_low__isnull=True, fee_high__isnull=True)
            | Q(fee_low__gte=0, fee_high__gte=F("fee_low")),
        ),
        check(
            "fee_within_range",
            Q(fee__isnull=True) | Q(fee__gte=F("fee_low"), fee__lte=F("fee_high")),
        ),
        check(
            "list_price_ordered",
            Q(list_price_low__isnull=True, list_price_high__isnull=True)
            | Q(list_price_low__gte=0, list_price_high__gte=F("list_price_low")),
        ),
        check("surcharge_not_negative", Q(surcharge__isnull=True) | Q(surcharge__gte=0)),
        check(
            "surcharge_waiver_has_reason",
            Q(surcharge_waived_at__isnull=True)
            | (Q(surcharge_waived_by__isnull=False) & ~Q(surcharge_waive_reason="")),
        ),
        check(
            "billed_after_close",
            Q(billed_at__isnull=True) | Q(closed_at__isnull=False, billed_amount__gte=0),
        ),
        check(
            "sla_marks_need_deadline",
            Q(at_risk_at__isnull=True, breached_at__isnull=True) | Q(deadline__isnull=False),
        ),
        check("breach_after_deadline", ordered("breached_at", "deadline")),
        check(
            "outcome_recorded_at_arrival",
            Q(outcome="", minutes_past_deadline__isnull=True)
            | Q(
                outcome__in=["met", "late"],
                arrived_at__isnull=False,
                minutes_past_deadline__isnull=False,
            ),
        ),
        check(
            "outcome_matches_minutes",
            ~Q(outcome="met") | Q(minutes_past_deadline__lte=0),
        ),
        check(
            "outcome_late_matches_minutes",
            ~Q(outcome="late") | Q(minutes_past_deadline__gt=0),
        ),
        check("en_route_after_report", ordered("en_route_at", "reported_at")),
        check("arrival_after_report", ordered("arrived_at", "reported_at")),
        check("arrival_after_en_route", ordered("arrived_at", "en_route_at")),
        check("resolution_after_report", ordered("resolved_at", "reported_at")),
        check("resolution_after_arrival", ordered("resolved_at", "arrived_at")),
        check("close_after_resolution", ordered("closed_at", "resolved_at")),
    ]


class Ticket(models.Model):
    Kind = TicketKind
    Path = TicketPath
    Channel = TicketChannel
    Status = TicketStatus
    Outcome = Outcome
    DeadlineSource = DeadlineSource
    WorkKind = WorkKind

    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    asset = models.ForeignKey(
        "catalog.Asset",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    kind = models.CharField(_("problem"), max_length=20, choices=Kind)
    path = models.CharField(_("where"), max_length=20, choices=Path, default=Path.ON_SITE)
    channel = models.CharField(_("opened"), max_length=20, choices=Channel)
    description = models.TextField(_("description"), blank=True)
    # Copied when the ticket is opened.
    tier = models.CharField(_("service tier"), max_length=20, choices=TIER_CHOICES)
    zone = models.CharField(_("service zone"), max_length=20, choices=ZONE_CHOICES)
    distance_km = models.DecimalField(_("road distance (km)"), max_digits=6, decimal_places=1)
    site_address = models.CharField(_("site address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact on site"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    rental_days = models.PositiveIntegerField(_("rental length (days)"), null=True, blank=True)
    # The published terms version used when there is no contract (a contract has its own).
    terms_version = models.PositiveIntegerField(_("terms version"), null=True, blank=True)

    reported_at = models.DateTimeField(_("called at"), db_index=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    deadline = models.DateTimeField(_("on site by"), null=True, blank=True)
    deadline_source = models.CharField(
        _("deadline from"), max_length=20, choices=DeadlineSource, default=DeadlineSource.NONE
    )
    # {language code: sentence}, written in every language when the deadline is set.
    deadline_explanation = models.JSONField(_("deadline explained"), default=dict, blank=True)
    at_risk_from = models.DateTimeField(_("at risk from"), null=True, blank=True)
    at_risk_at = models.DateTimeField(_("marked at risk at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("marked late at"), null=True, blank=True)
    # The marks are an outbox: a mark whose notice is not yet recorded waits here, so marking
    # stays one fast statement and the notices are written after it, once, even after a crash.
    at_risk_announced_at = models.DateTimeField(null=True, blank=True)
    breached_announced_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NEW, db_index=True
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_tickets",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    # Recorded once at arrival when there is a deadline, so reports read facts and never
    # recompute history from deadlines that staff may have edited since.
    outcome = models.CharField(_("deadline outcome"), max_length=10, choices=Outcome, blank=True)
    minutes_to_arrive = models.PositiveIntegerField(_("minutes to arrive"), null=True, blank=True)
    minutes_past_deadline = models.IntegerField(
        _("minutes past the deadline"),
        null=True,
        blank=True,
        help_text=_("Negative: that many minutes before the deadline."),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    work_kind = models.CharField(_("work done"), max_length=20, choices=WorkKind, blank=True)
    resolution_notes = models.TextField(_("what was done"), blank=True)
    parts = models.TextField(_("parts used"), blank=True)
    units_worked = models.ManyToManyField(
        "catalog.Asset", verbose_name=_("units worked on"), blank=True, related_name="+"
    )

    fee_low = models.DecimalField(
        _("lowest fee"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fee_high = models.DecimalField(
        _("highest fee"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, null=True, blank=True)
    fee_explanation = models.JSONField(_("fee explained"), default=dict, blank=True)
    fee_note = models.CharField(_("chargeable items"), max_length=300, blank=True)
    # What included work would have cost (DOMAIN.md: "recorded with the price it would have had").
    list_price_low = models.DecimalField(
        _("list price from"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    list_price_high = models.DecimalField(
        _("list price up to"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    surcharge = models.DecimalField(
        _("24-hour surcharge"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    surcharge_explanation = models.JSONField(_("surcharge explained"), default=dict, blank=True)
    surcharge_waived_at = models.DateTimeField(_("surcharge waived at"), null=True, blank=True)
    surcharge_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    surcharge_waive_reason = models.CharField(
        _("reason for waiving the surcharge"), max_length=300, blank=True
    )
    billed_at = models.DateTimeField(_("billed at"), null=True, blank=True)
    billed_amount = models.DecimalField(
        _("billed"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    OPEN = (Status.NEW, Status.ASSIGNED, Status.EN_ROUTE)  # the deadline is still running
    DISPATCHED = (Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SITE, Status.RESOLVED, Status.CLOSED)
    ACTIVE = (*OPEN, Status.ON_SITE, Status.RESOLVED, Status.RECEIVED, Status.REPAIRED)
    WORKSHOP_STATUSES = (Status.RECEIVED, Status.REPAIRED, Status.COLLECTED)
    BILLABLE = (Status.CLOSED, Status.COLLECTED)  # its fee is set and goes on the statement
    TRIP_KINDS = (Kind.DELIVERY, Kind.PICKUP)

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["-reported_at", "-id"]
        indexes = [
            # The billing sweep's: closed tickets whose fee is not on the statement yet.
            models.Index(
                fields=["closed_at"],
                name="st_ticket_unbilled",
                condition=Q(billed_at__isnull=True, status__in=["closed", "collected"]),
            ),
            # The SLA sweep reads only these two partial indexes (see services/sweep.py).
            models.Index(
                fields=["at_risk_from"],
                name="st_ticket_at_risk_due",
                condition=Q(at_risk_at__isnull=True, status__in=["new", "assigned", "en_route"]),
            ),
            models.Index(
                fields=["deadline"],
                name="st_ticket_breach_due",
                condition=Q(breached_at__isnull=True, status__in=["new", "assigned", "en_route"]),
            ),
            models.Index(
                fields=["id"],
                name="st_ticket_at_risk_unannounced",
                condition=Q(at_risk_at__isnull=False, at_risk_announced_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="st_ticket_late_unannounced",
                condition=Q(breached_at__isnull=False, breached_announced_at__isnull=True),
            ),
            models.Index(fields=["technician", "status"], name="st_ticket_technician"),
        ]
        constraints = _constraints()

    def __str__(self) -> str:
        return self.number

    # --- read-only predicates --------------------------------------------------------------

    @property
    def is_trip(self) -> bool:
        return self.kind in self.TRIP_KINDS

    @property
    def is_workshop(self) -> bool:
        return self.path == self.Path.WORKSHOP

    @property
    def is_open(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def clock_running(self) -> bool:
        """The response deadline still runs: nobody has arrived and the ticket is open."""
        return self.status in self.OPEN

    def needs_deadline(self) -> bool:
        return self.path == self.Path.ON_SITE and self.deadline is None

    def can_assign(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.ASSIGNED, self.Status.EN_ROUTE)

    def can_set_deadline(self) -> bool:
        if self.path != self.Path.ON_SITE or self.status not in self.OPEN:
            return False
        return self.deadline_source in (self.DeadlineSource.NONE, self.DeadlineSource.MANUAL)

    def can_en_route(self) -> bool:
        return self.status == self.Status.ASSIGNED

    def can_arrive(self) -> bool:
        return self.status in (self.Status.ASSIGNED, self.Status.EN_ROUTE)

    def can_resolve(self) -> bool:
        return self.status == self.Status.ON_SITE

    def can_close(self) -> bool:
        return self.status == self.Status.RESOLVED

    def can_cancel(self) -> bool:
        return self.status in (*self.OPEN, self.Status.RECEIVED)

    def can_customer_cancel(self) -> bool:
        return self.status == self.Status.NEW

    def can_mark_repaired(self) -> bool:
        return self.status == self.Status.RECEIVED

    def can_mark_collected(self) -> bool:
        return self.status == self.Status.REPAIRED

    def can_waive_surcharge(self) -> bool:
        if self.surcharge_waived_at is not None or self.is_trip or self.is_workshop:
            return False
        if self.status == self.Status.CLOSED:
            return bool(self.surcharge)
        return self.status == self.Status.RESOLVED

    @property
    def hours_to_resolve(self) -> Decimal | None:
        """Hours from the technician's arrival to the resolution, rounded up to 0.01 h (36 s), so
        that any time past a boundary counts as past it and the explanation stays readable."""
        if self.arrived_at is None or self.resolved_at is None:
            return None
        seconds = int((self.resolved_at - self.arrived_at).total_seconds())
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)

    @property
    def on_time(self) -> bool | None:
        """Was a technician on site by the deadline? None while that is not known yet."""
        if self.deadline is None or self.path != self.Path.ON_SITE:
            return None
        if self.arrived_at is not None:
            return self.arrived_at <= self.deadline
        if self.breached_at is not None:
            return False
        return None

    @property
    def surcharge_due(self) -> Decimal:
        """The surcharge the customer pays: 0 when waived."""
        if self.surcharge_waived_at is not None or not self.surcharge:
            return Decimal("0.00")
        return self.surcharge

    @property
    def amount_due(self) -> Decimal | None:
        if self.fee is None:
            return None
        return self.fee + self.surcharge_due

    def explained(self, field: str) -> str:
        """A stored explanation in the current language (or any, if that one is missing)."""
        texts = getattr(self, f"{field}_explanation") or {}
        language = translation.get_language() or settings.LANGUAGE_CODE
        return (
            texts.get(language)
            or texts.get(settings.LANGUAGE_CODE)
            or next(iter(texts.values()), "")
        )

    @property
    def deadline_text(self) -> str:
        return self.explained("deadline")

    @property
    def fee_text(self) -> str:
        return self.explained("fee")

    @property
    def surcharge_text(self) -> str:
        return self.explained("surcharge")

    def site_contact(self) -> tuple[str, str]:
        """Who to ask for on site, and their phone: the address's contact, else the customer."""
        name = self.contact_name or self.customer.contact_person or self.customer.name
        return name, self.contact_phone or self.customer.phone
