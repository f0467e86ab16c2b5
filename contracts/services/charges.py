"""Charges and payments on a contract, and its statement."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny

from ..models import Charge, Contract, Payment


class ChargeError(ApplicationError):
    pass


def charge_add(
    *, contract: Contract, kind: str, amount: Decimal, description: str, key: str, by=None
) -> tuple[Charge, bool]:
    """Add a charge once: a second call with the same `key` returns the first charge unchanged.

    This is what makes fee runs safe to repeat (a ticket's fee task may run twice).
    """
    amount = cny(amount)
    existing = Charge.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            charge = Charge.objects.create(
                contract=contract,
                kind=kind,
                amount=amount,
                description=description[:300],
                key=key,
                created_by=by,
            )
            audit.record(by, "contracts.charge.added", contract, kind=kind, amount=amount, key=key)
    except IntegrityError:
        existing = Charge.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing, False
    return charge, True


def payment_record(
    *, contract: Contract, amount: Decimal, method: str, reference: str = "", by
) -> Payment:
    amount = cny(amount)
    if amount <= 0:
        raise ChargeError(_("A payment must be more than zero."))
    if method not in Payment.Method.values:
        raise ChargeError(_("Choose how the customer paid."))
    with transaction.atomic():
        payment = Payment.objects.create(
            contract=contract, amount=amount, method=method, reference=reference, received_by=by
        )
        audit.record(by, "contracts.payment.recorded", contract, amount=amount, method=method)
    return payment


@dataclass(frozen=True)
class Statement:
    charges: list[Charge]
    payments: list[Payment]

    @property
    def charged(self) -> Decimal:
        return cny(sum((c.amount for c in self.charges), ZERO))

    @property
    def paid(self) -> Decimal:
        return cny(sum((p.amount for p in self.payments), ZERO))

    @property
    def balance(self) -> Decimal:
        """What the customer still owes (negative: we owe them)."""
        return cny(self.charged - self.paid)


def contract_statement(*, contract: Contract) -> Statement:
    return Statement(
        charges=list(contract.charges.select_related("created_by")),
        payments=list(contract.payments.select_related("received_by")),
    )
