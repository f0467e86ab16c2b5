"""Money on a contract: charges, payments, deposit movements, and the statement.

Every row is insert-only (a trigger refuses UPDATE and DELETE) and carries a `key`, so a step
that runs twice — a fee task retried, a form posted twice — adds nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rental import webhooks
from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny
from rental.core.state import lock

from ..deposits import deposit_held
from ..models import Charge, Contract, DepositEntry, Payment


class ChargeError(ApplicationError):
    pass


def _once(model, *, key: str, create) -> tuple[object, bool]:
    """Create the row for `key` unless it exists; a concurrent twin is found, not duplicated."""
    existing = model.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = model.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing, False


def charge_add(
    *,
    contract: Contract,
    kind: str,
    amount: Decimal,
    key: str,
    details: dict | None = None,
    description: str = "",
    by=None,
) -> tuple[Charge, bool]:
    """Add a charge once: a second call with the same `key` returns the first charge unchanged.

    `details` are the facts the words are made from when the charge is shown (in the reader's
    language); `description` is only for what staff type themselves.
    """
    amount = cny(amount)

    def create() -> Charge:
        charge = Charge.objects.create(
            contract=contract,
            kind=kind,
            amount=amount,
            description=description[:300],
            details=details or {},
            key=key,
            created_by=by,
        )
        audit.record(by, "contracts.charge.added", contract, kind=kind, amount=amount, key=key)
        return charge

    return _once(Charge, key=key, create=create)


def deposit_entry_add(
    *,
    contract: Contract,
    kind: str,
    amount: Decimal,
    key: str,
    reason: str = "",
    details: dict | None = None,
    by=None,
) -> tuple[DepositEntry, bool]:
    """Record one movement of the deposit once (per `key`); money going out needs a reason —
    typed by staff, or the system's own as `details` ({"what": "refund_at_closing"})."""
    amount = cny(amount)
    if amount <= 0:
        raise ChargeError(_("A deposit movement must be more than zero."), code="amount")
    details = details or {}
    reason = (reason or "").strip()[:300] or details.get("what", "")
    if kind != DepositEntry.Kind.COLLECTED and not reason:
        raise ChargeError(_("Give the reason for this deposit movement."), code="reason")

    def create() -> DepositEntry:
        entry = DepositEntry.objects.create(
            contract=contract,
            kind=kind,
            amount=amount,
            reason=reason,
            details=details,
            key=key,
            recorded_by=by,
        )
        audit.record(by, "contracts.deposit." + kind, contract, amount=amount, key=key)
        if kind == DepositEntry.Kind.REFUNDED:
            webhooks.emit(
                event="deposit.refunded", payload={"contract": contract.number, "amount": amount}
            )
        return entry

    return _once(DepositEntry, key=key, create=create)


def deposit_balance(*, contract: Contract) -> Decimal:
    """Held for the customer now (`deposits.deposit_held` over the ledger)."""
    return deposit_held(contract.deposit_entries.values_list("kind", "amount"))


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
        webhooks.emit(
            event="payment.recorded",
            payload={"contract": contract.number, "amount": amount, "method": method},
        )
    return payment


# How an overpayment goes back: money that leaves the till or an account (never "the deposit").
REFUND_METHODS = (
    Payment.Method.CASH,
    Payment.Method.BANK,
    Payment.Method.WECHAT,
    Payment.Method.ALIPAY,
)


def refund_reference_missing(method: str, reference: str) -> bool:
    """Money sent back by transfer is found again by its transaction number; cash needs none."""
    return method != Payment.Method.CASH and not reference


def payment_refund(
    *, contract: Contract, amount: Decimal, method: str, reference: str = "", by
) -> Payment:
    """Hand back what the customer paid beyond the charges (a payment typed twice, a surcharge
    waived after it was paid): a negative payment, so the statement, the reports' "collected"
    and the closing all see it. At most the overpaid amount, also refused by the database."""
    amount = cny(amount or ZERO)
    reference = " ".join((reference or "").split())
    if amount <= 0:
        raise ChargeError(_("A refund must be more than zero."), code="amount")
    if method not in REFUND_METHODS:
        raise ChargeError(_("Choose how the refund is paid out."), code="method")
    if refund_reference_missing(method, reference):
        raise ChargeError(
            _("Enter the transfer's reference (transaction number) for the refund."),
            code="reference",
        )
    with transaction.atomic():
        contract = lock(contract)
        overpaid = contract_statement(contract=contract).overpaid
        if amount > overpaid:
            raise ChargeError(
                _("Refund more than zero and at most the ¥%(overpaid)s overpaid.")
                % {"overpaid": overpaid},
                code="amount",
            )
        payment = Payment.objects.create(
            contract=contract, amount=-amount, method=method, reference=reference, received_by=by
        )
        audit.record(by, "contracts.payment.refunded", contract, amount=amount, method=method)
        webhooks.emit(
            event="payment.recorded",
            payload={"contract": contract.number, "amount": -amount, "method": method},
        )
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

    @property
    def overpaid(self) -> Decimal:
        """What the customer paid beyond the charges, to hand back (`payment_refund`)."""
        return max(-self.balance, ZERO)


def contract_statement(*, contract: Contract) -> Statement:
    return Statement(
        charges=list(contract.charges.select_related("created_by")),
        payments=list(contract.payments.select_related("received_by")),
    )
