"""Contracts (租赁协议书). An accepted reservation becomes a draft with the accepted units."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Asset, CalendarEntry, EquipmentModel

from .choices import TIER_CHOICES
from .customers import Address, Customer
from .documents import private_storage
from .reservations import Fulfilment, Reservation


class SignedPlace(models.TextChoices):
    OFFICE = "office", _("At the office")
    DELIVERY = "delivery", _("On delivery")


def contract_pdf_path(instance: "Contract", filename: str) -> str:
    return f"contracts/{instance.number}.pdf"


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Handed over")
        RETURNED = "returned", _("Returned")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    #: Statuses in which the customer may call for service.
    SERVICEABLE_STATUSES = (Status.SIGNED, Status.ACTIVE)

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    reservation = models.OneToOneField(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="contract"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    fulfilment = models.CharField(_("fulfilment"), max_length=20, choices=Fulfilment)
    address = models.ForeignKey(Address, null=True, blank=True, on_delete=models.PROTECT)
    # Where trips go, copied from the address when drafted (staff may confirm the distance);
    # at signing each trip's fee is computed once from the contract's terms and kept.
    zone = models.CharField(_("service zone"), max_length=20, blank=True)
    distance_km = models.DecimalField(
        _("road distance (km)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    # The customer's figure is an estimate; staff confirm the road distance before signing.
    distance_confirmed_at = models.DateTimeField(
        _("road distance confirmed at"), null=True, blank=True
    )
    distance_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery_fee = models.DecimalField(
        _("delivery fee"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    pickup_fee = models.DecimalField(
        _("pickup fee"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    tier = models.CharField(_("service tier"), max_length=20, choices=TIER_CHOICES)
    quote = models.JSONField(_("quote"), default=dict)
    # The tier terms in force when signed (ServiceTerms.to_dict()), and this contract's own
    # service terms, which win over them (如果租赁协议上对服务内容另有约定,以协议为准).
    terms_snapshot = models.JSONField(_("service terms at signing"), default=dict, blank=True)
    terms_overrides = models.JSONField(_("contract's own service terms"), default=dict, blank=True)
    # The house policy values that price the contract later (late-return surcharge, deposit
    # rate), as they were at signing: {"late_return_surcharge": "0.20", "deposit_rate": "0.50"}.
    policy_snapshot = models.JSONField(_("house policy at signing"), default=dict, blank=True)
    # The deposit decided at signing: waived (with the reasons) or an amount staff may change
    # only with a written reason (kept in the audit trail and here).
    deposit_waived = models.BooleanField(_("deposit waived"), default=False)
    deposit_amount = models.DecimalField(
        _("deposit"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    deposit_note = models.CharField(_("deposit note"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_place = models.CharField(_("signed"), max_length=20, choices=SignedPlace, blank=True)
    customer_signature = models.TextField(_("customer's signature (PNG, base64)"), blank=True)
    document = models.JSONField(_("printed contract"), default=dict, blank=True)
    pdf = models.FileField(storage=private_storage, upload_to=contract_pdf_path, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    last_overdue_notice_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at"]
        # The Today board's returns due and overdue rentals, in order, without reading every
        # active contract (bench/reports.py).
        indexes = [
            models.Index(
                fields=["ends_at"], condition=Q(status="active"), name="contracts_active_ends"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="contracts_contract_period"
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__gte=0), name="contracts_contract_deposit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(signed_at__isnull=False),
                name="contracts_contract_signed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(deposit_waived=True) | Q(deposit_amount=0),
                name="contracts_contract_waived_means_zero",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_signed(self) -> bool:
        return self.status not in (self.Status.DRAFT, self.Status.CANCELLED)

    def can_edit_terms(self) -> bool:
        """Deposit, special terms and distance are settled before signing."""
        return self.status == self.Status.DRAFT

    def can_sign(self) -> bool:
        return self.status == self.Status.DRAFT

    def can_hand_over(self) -> bool:
        return self.status == self.Status.SIGNED

    def can_return_units(self) -> bool:
        return self.status == self.Status.ACTIVE

    def can_extend(self) -> bool:
        return self.status == self.Status.ACTIVE

    def can_close(self) -> bool:
        return self.status == self.Status.RETURNED

    def can_cancel(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SIGNED)

    def can_call_for_service(self) -> bool:
        return self.status in self.SERVICEABLE_STATUSES

    def can_take_payment(self) -> bool:
        return self.status in (self.Status.SIGNED, self.Status.ACTIVE, self.Status.RETURNED)

    def trip_fee(self, kind: str) -> Decimal:
        return self.delivery_fee if kind == "delivery" else self.pickup_fee


class ReturnCondition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")


class ContractUnit(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="units")
    model = models.ForeignKey(EquipmentModel, on_delete=models.PROTECT)
    asset = models.ForeignKey(Asset, verbose_name=_("unit"), on_delete=models.PROTECT)
    calendar_entry = models.OneToOneField(CalendarEntry, on_delete=models.PROTECT)
    rent = models.DecimalField(_("rent"), max_digits=12, decimal_places=2)
    # The model's rate card at signing ({"hour": "10.00", "day": …, "week": …, "month": …}):
    # extensions and late returns are priced from it, never from today's prices.
    rate_card = models.JSONField(_("rate card at signing"), default=dict, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_condition = models.CharField(
        _("condition at return"), max_length=20, choices=ReturnCondition, blank=True
    )
    missing_accessories = models.JSONField(_("missing accessories"), default=list, blank=True)
    return_notes = models.CharField(_("notes at return"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contract unit")
        verbose_name_plural = _("contract units")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "asset"], name="contracts_unit_once"),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(handed_over_at__isnull=False),
                name="contracts_unit_returned_after_handover",
            ),
        ]

    def __str__(self) -> str:
        return str(self.asset)
