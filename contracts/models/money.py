"""Money on a contract: charges, payments received, and the deposit ledger.

All three are insert-only (a trigger refuses UPDATE and DELETE): a mistake is corrected by a new
row, never by editing an old one. Balances are derived by summing.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .contracts import Contract


class Charge(models.Model):
    """Something the customer owes on a contract. `key` makes each charge happen once."""

    class Kind(models.TextChoices):
        RENT = "rent", _("Rent")
        DELIVERY = "delivery", _("Delivery")
        PICKUP = "pickup", _("Pickup")
        SERVICE = "service", _("Service call")
        LATE_RETURN = "late_return", _("Late return")
        DAMAGE = "damage", _("Damage")
        ADJUSTMENT = "adjustment", _("Adjustment")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # Typed by staff for an adjustment; else "" and the words come from `details` (the facts
    # the rule computed: {"what": "rent", "units": 2}), rendered in the reader's language.
    description = models.CharField(_("description"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["created_at", "id"]
        constraints = [
            # Only an adjustment may be negative (a credit); every other charge is owed money.
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(amount__gte=0),
                name="contracts_charge_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK = "bank", _("Bank transfer")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        DEPOSIT = "deposit", _("Taken from the deposit")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    method = models.CharField(_("method"), max_length=20, choices=Method)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_at", "id"]
        constraints = [
            # Money in is positive; an overpayment handed back is the one negative payment
            # (`payment_refund`, and a trigger refuses a refund larger than what was overpaid).
            models.CheckConstraint(condition=~Q(amount=0), name="contracts_payment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount} {self.get_method_display()}"

    @property
    def is_refund(self) -> bool:
        """An overpayment handed back (`payment_refund`): the one kind of negative payment."""
        return self.amount < 0

    @property
    def magnitude(self) -> Decimal:
        return abs(self.amount)


class DepositEntry(models.Model):
    """One movement of the deposit held for the customer: collected, refunded or deducted."""

    class Kind(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        REFUNDED = "refunded", _("Refunded")
        DEDUCTED = "deducted", _("Deducted")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deposit_entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # Typed by staff, or the system's own reason as facts in `details` (the column then holds
    # its code, so the database's "an outflow has a reason" rule still holds).
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    key = models.CharField(max_length=100, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("deposit ledger entry")
        verbose_name_plural = _("deposit ledger")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contracts_deposit_positive"),
            models.CheckConstraint(
                condition=Q(kind="collected") | ~Q(reason=""),
                name="contracts_deposit_outflow_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"
