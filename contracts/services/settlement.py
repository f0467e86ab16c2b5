"""Settling a returned contract before it closes: what the deposit covers, what is still owed,
a manager's write-off of the rest, and how a refund was paid out.

A contract closes only when nothing is owed after the deposit is applied (DOMAIN.md: the deposit
is refunded less deductions; a debt is collected, not forgotten). What is left is collected as a
payment, or written off by a manager with a reason, as a credit row of its own on the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from rental.accounts.models import User
from rental.core import audit
from rental.core.errors import ApplicationError, NotAllowed
from rental.core.money import ZERO, cny
from rental.core.state import lock, require

from ..models import Charge, Contract
from .charges import (
    REFUND_METHODS,
    charge_add,
    contract_statement,
    deposit_balance,
    refund_reference_missing,
)


class SettlementError(ApplicationError):
    pass


@dataclass(frozen=True)
class Settlement:
    """What closing would do now: `applied` of the deposit pays charges, `refund` goes back to
    the customer, `still_owed` must be collected or written off first (negative: overpaid)."""

    held: Decimal
    owed: Decimal
    applied: Decimal
    refund: Decimal
    still_owed: Decimal

    @property
    def overpaid(self) -> Decimal:
        return max(-self.still_owed, ZERO)

    @property
    def can_close(self) -> bool:
        return self.still_owed == ZERO


def contract_settlement(*, contract: Contract) -> Settlement:
    held = deposit_balance(contract=contract)
    owed = contract_statement(contract=contract).balance
    applied = min(held, max(owed, ZERO))
    return Settlement(
        held=held,
        owed=owed,
        applied=cny(applied),
        refund=cny(held - applied),
        still_owed=cny(owed - applied),
    )


def settlement_check(*, settlement: Settlement, refund_method: str, refund_reference: str) -> None:
    """Refuse a close that would leave money owed, or a refund without how it was paid."""
    if settlement.still_owed > 0:
        raise SettlementError(
            _(
                "¥%(amount)s is still owed after the deposit. Record the payment, or a manager "
                "writes it off with a reason, before closing."
            )
            % {"amount": settlement.still_owed},
            code="balance_owed",
        )
    if settlement.still_owed < 0:
        raise SettlementError(
            _(
                "The customer paid ¥%(amount)s more than charged. Refund the overpayment "
                "before closing."
            )
            % {"amount": -settlement.still_owed},
            code="overpaid",
        )
    if settlement.refund > 0 and refund_method not in REFUND_METHODS:
        raise SettlementError(
            _("Choose how the ¥%(amount)s deposit refund is paid out.")
            % {"amount": settlement.refund},
            code="refund_method",
        )
    if settlement.refund > 0 and refund_reference_missing(refund_method, refund_reference):
        raise SettlementError(
            _("Enter the transfer's reference (transaction number) for the refund."),
            code="refund_reference",
        )


def contract_write_off(*, contract: Contract, amount: Decimal, reason: str, by) -> Charge:
    """A manager forgives what cannot be collected: a credit on the statement with the reason.

    Only what is still owed after the deposit can be written off, and only on a returned
    contract (the last step before closing)."""
    if not (getattr(by, "is_superuser", False) or by.in_staff_group(User.StaffGroup.MANAGER)):
        raise NotAllowed(_("Only a manager can write off a balance."), code="not_manager")
    reason = " ".join((reason or "").split())
    if not reason:
        raise SettlementError(_("Give the reason for the write-off."), code="reason")
    amount = cny(amount or ZERO)
    with transaction.atomic():
        contract = lock(contract)
        require(contract, contract.can_close())
        owed = contract_settlement(contract=contract).still_owed
        if amount <= 0 or amount > owed:
            raise SettlementError(
                _("Write off more than zero and at most the ¥%(owed)s still owed.")
                % {"owed": owed},
                code="amount",
            )
        count = contract.charges.filter(details__what="write_off").count()
        charge, _created = charge_add(
            contract=contract,
            kind=Charge.Kind.ADJUSTMENT,
            amount=-amount,
            description="",
            details={"what": "write_off", "reason": reason[:300]},
            key=f"contract:{contract.pk}:write_off:{count + 1}",
            by=by,
        )
        audit.record(by, "contracts.contract.written_off", contract, amount=amount, reason=reason)
    return charge
