"""Customers (companies or individuals), their addresses and guarantors.

Verification of identity documents is recorded here as who verified what and when; the deposit
waiver (contracts.deposits) reads only these verified facts.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.identity import mask_credit_code, mask_resident_id

from .choices import ZONE_CHOICES, ZONES


class District(models.TextChoices):
    """Where an address is; each district belongs to one service zone."""

    SIMING = "siming", _("Siming District, Xiamen")
    HULI = "huli", _("Huli District, Xiamen")
    JIMEI = "jimei", _("Jimei District, Xiamen")
    HAICANG = "haicang", _("Haicang District, Xiamen")
    TONGAN = "tongan", _("Tong'an District, Xiamen")
    XIANGAN = "xiangan", _("Xiang'an District, Xiamen")
    ZHANGZHOU = "zhangzhou", _("Zhangzhou")
    QUANZHOU = "quanzhou", _("Quanzhou")
    OTHER = "other", _("Elsewhere")


ZONE_OF_DISTRICT = {
    District.SIMING: "base",
    District.HULI: "base",
    District.JIMEI: "xiamen_mainland",
    District.HAICANG: "xiamen_mainland",
    District.TONGAN: "xiamen_mainland",
    District.XIANGAN: "xiamen_mainland",
    District.ZHANGZHOU: "zhangzhou",
    District.QUANZHOU: "quanzhou",
    District.OTHER: "other",
}


class Customer(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company or organisation")
        INDIVIDUAL = "individual", _("Individual")

    kind = models.CharField(_("customer type"), max_length=20, choices=Kind)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer",
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    # Company
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    representative_id = models.CharField(
        _("responsible person's ID number"), max_length=18, blank=True
    )
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    # Individual
    resident_id = models.CharField(_("resident ID number"), max_length=18, blank=True)
    # Verification by staff against the copies (see contracts.deposits)
    licence_verified_at = models.DateTimeField(
        _("business licence verified at"), null=True, blank=True
    )
    representative_id_verified_at = models.DateTimeField(
        _("responsible person's ID verified at"), null=True, blank=True
    )
    own_id_verified_at = models.DateTimeField(_("own ID verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="company", resident_id="") & ~Q(credit_code="")
                | Q(kind="individual", credit_code="") & ~Q(resident_id=""),
                name="contracts_customer_identity_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="contracts_customer_credit_code_unique",
            ),
            models.UniqueConstraint(
                fields=["resident_id"],
                condition=~Q(resident_id=""),
                name="contracts_customer_resident_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY

    @property
    def masked_identity(self) -> str:
        if self.is_company:
            return mask_credit_code(self.credit_code)
        return mask_resident_id(self.resident_id)


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District)
    zone = models.CharField(_("service zone"), max_length=20, choices=ZONE_CHOICES)
    line = models.CharField(_("street address"), max_length=300)
    distance_km = models.DecimalField(
        _("road distance from our depot (km)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )
    contact_name = models.CharField(_("contact on site"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.CheckConstraint(
                condition=Q(distance_km__gte=0), name="contracts_address_distance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(zone__in=ZONES),
                name="contracts_address_known_zone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_district_display()} {self.line}"


class Guarantor(models.Model):
    """The Xiamen-registered person who guarantees an individual customer (担保人)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="guarantors")
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20)
    id_verified_at = models.DateTimeField(_("ID verified at"), null=True, blank=True)
    household_confirmed_at = models.DateTimeField(
        _("Xiamen household registration confirmed at"), null=True, blank=True
    )
    household_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_active=True),
                name="contracts_one_active_guarantor",
            ),
        ]

    def __str__(self) -> str:
        return self.name
