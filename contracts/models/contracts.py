"""Contracts (租赁协议书). An accepted reservation becomes a draft with the accepted units."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Asset, CalendarEntry, EquipmentModel
from service_tickets.terms import PUBLISHED_TERMS, ServiceTerms

from .choices import TIER_CHOICES
from .customers import Address, Customer
from .reservations import Fulfilment, Reservation


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Handed over")
        RETURNED = "returned", _("Returned")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

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
    tier = models.CharField(_("service tier"), max_length=20, choices=TIER_CHOICES)
    quote = models.JSONField(_("quote"), default=dict)
    # The tier terms in force when signed (ServiceTerms.to_dict()), and this contract's own
    # service terms, which win over them (如果租赁协议上对服务内容另有约定,以协议为准).
    terms_snapshot = models.JSONField(_("service terms at signing"), default=dict, blank=True)
    terms_overrides = models.JSONField(_("contract's own service terms"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="contracts_contract_period"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def service_terms(self) -> ServiceTerms:
        """The terms this contract's service follows: its snapshot (or, before signing, the
        published terms) with its own overrides on top."""
        base = (
            ServiceTerms.from_dict(self.terms_snapshot) if self.terms_snapshot else PUBLISHED_TERMS
        )
        return base.with_overrides(self.terms_overrides) if self.terms_overrides else base


class ContractUnit(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="units")
    model = models.ForeignKey(EquipmentModel, on_delete=models.PROTECT)
    asset = models.ForeignKey(Asset, verbose_name=_("unit"), on_delete=models.PROTECT)
    calendar_entry = models.OneToOneField(CalendarEntry, on_delete=models.PROTECT)
    rent = models.DecimalField(_("rent"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("contract unit")
        verbose_name_plural = _("contract units")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "asset"], name="contracts_unit_once"),
        ]

    def __str__(self) -> str:
        return str(self.asset)
