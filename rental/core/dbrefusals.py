"""What the database's own guards refuse, said to the user (rental.core.dbguards builds them).

The forms and services check first; these guards catch what slips past them (a raw query, a bug,
a value no form bounded). Wrap a write that a user's input reaches in `database_guards()`, outside
its `transaction.atomic()` block, and a refusal becomes a `RefusedByDatabase` with a clear,
translated message instead of a server error. Any other IntegrityError passes unchanged.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import IntegrityError
from django.utils.translation import gettext as _

from .dbguards import MONEY_MAX
from .errors import ApplicationError


class RefusedByDatabase(ApplicationError):
    pass


def _message(constraint: str) -> str | None:
    if constraint == "contracts_deposit_balance_not_negative":
        return _("The deposit does not hold that much: a refund or deduction may not exceed it.")
    if constraint == "contracts_payment_refund_at_most_overpaid":
        return _("A refund may not be more than what the customer paid beyond the charges.")
    if constraint == "catalog_calendar_blocked_covers_period":
        return _("The blocked period must be a real period that covers the booked one.")
    if constraint.endswith("_bounds"):
        return _("The amount is out of range: it may not be negative or more than ¥%(max)s.") % {
            "max": f"{MONEY_MAX:,}"
        }
    if constraint.endswith("_known"):
        return _("That value is not one of the allowed choices.")
    return None


def refusal_for(error: IntegrityError) -> RefusedByDatabase | None:
    """The user's error for a guard's refusal, or None if `error` is something else."""
    diag = getattr(error.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    message = _message(constraint)
    return RefusedByDatabase(message, code=constraint) if message else None


@contextmanager
def database_guards():
    try:
        yield
    except IntegrityError as error:
        refusal = refusal_for(error)
        if refusal is None:
            raise
        raise refusal from error
