"""Pure rules for the deposit (押金) and its waiver (免押金), DOMAIN.md "Deposit and its waiver".

A company's deposit is waived with its business licence and its responsible person's ID card; an
individual's with their own ID card and the ID card of an adult guarantor, other than the customer,
with Xiamen household registration. A document counts only once staff have verified it against
the copy, and only staff can confirm a household registration: a 3502 ID number is a hint, never
proof. Without a waiver each unit's deposit is its model's deposit amount, or else its replacement
value times the house policy's deposit rate (50 %), which the caller passes.

Plain values in, plain values out: services load the customer's documents and pass what they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny

from . import identity
from .identity import IdentityError

COMPANY = "company"
INDIVIDUAL = "individual"
CUSTOMER_KINDS = (COMPANY, INDIVIDUAL)


class DepositError(ApplicationError):
    """A deposit that cannot be computed from what was given."""


@dataclass(frozen=True)
class WaiverDecision:
    """Whether the deposit is waived, and if not, every item still missing for the waiver.

    `missing` holds sentences already translated into the language active when the decision was
    made, in the order a customer would work through them; it is empty exactly when `waived`.
    """

    waived: bool
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "missing", tuple(str(item) for item in self.missing))
        if self.waived == bool(self.missing):
            raise ValueError("A decision is waived exactly when nothing is missing.")


# One sentence per document and per reason, rather than a sentence with the document's name slotted
# in, so each reads naturally in Chinese as well.
_CREDIT_CODE_PROBLEMS: dict[str, Promise] = {
    "invalid_length": gettext_lazy(
        "The unified social credit code of the business licence does not have 18 characters"
    ),
    "invalid_format": gettext_lazy(
        "The unified social credit code of the business licence contains characters "
        "that are not allowed"
    ),
    "invalid_checksum": gettext_lazy(
        "The unified social credit code of the business licence has an invalid check character"
    ),
}


@dataclass(frozen=True)
class _IdCard:
    """The sentences about one person's ID card."""

    upload: Promise
    unverified: Promise
    problems: dict[str, Promise]


_REPRESENTATIVE = _IdCard(
    upload=gettext_lazy("Upload a copy of the responsible person's ID card"),
    unverified=gettext_lazy("The responsible person's ID card has not been verified by staff yet"),
    problems={
        "invalid_length": gettext_lazy(
            "The responsible person's ID number does not have 18 characters"
        ),
        "invalid_format": gettext_lazy(
            "The responsible person's ID number must be 17 digits followed by a digit or X"
        ),
        "invalid_checksum": gettext_lazy(
            "The responsible person's ID number has an invalid check digit"
        ),
        "invalid_birth_date": gettext_lazy(
            "The responsible person's ID number does not contain a valid birth date"
        ),
    },
)
_CUSTOMER = _IdCard(
    upload=gettext_lazy("Upload a copy of the customer's own ID card"),
    unverified=gettext_lazy("The customer's ID card has not been verified by staff yet"),
    problems={
        "invalid_length": gettext_lazy("The customer's ID number does not have 18 characters"),
        "invalid_format": gettext_lazy(
            "The customer's ID number must be 17 digits followed by a digit or X"
        ),
        "invalid_checksum": gettext_lazy("The customer's ID number has an invalid check digit"),
        "invalid_birth_date": gettext_lazy(
            "The customer's ID number does not contain a valid birth date"
        ),
    },
)
_GUARANTOR = _IdCard(
    upload=gettext_lazy(
        "Upload a copy of the ID card of a guarantor with Xiamen household registration"
    ),
    unverified=gettext_lazy("The guarantor's ID card has not been verified by staff yet"),
    problems={
        "invalid_length": gettext_lazy("The guarantor's ID number does not have 18 characters"),
        "invalid_format": gettext_lazy(
            "The guarantor's ID number must be 17 digits followed by a digit or X"
        ),
        "invalid_checksum": gettext_lazy("The guarantor's ID number has an invalid check digit"),
        "invalid_birth_date": gettext_lazy(
            "The guarantor's ID number does not contain a valid birth date"
        ),
    },
)


def deposit_waiver(
    *,
    customer_kind: str,
    credit_code: str | None,
    licence_verified: bool,
    representative_id: str | None,
    representative_id_verified: bool,
    own_id: str | None,
    own_id_verified: bool,
    guarantor_id: str | None,
    guarantor_id_verified: bool,
    guarantor_xiamen_household_confirmed: bool,
    on: date,
) -> WaiverDecision:
    """Decide whether the customer's deposit is waived on `on`, listing every unmet item.

    Company (`customer_kind="company"`): a valid unified social credit code from a business licence
    staff have verified, and a valid ID number of the responsible person whose card staff have
    verified. The individual fields are ignored.

    Individual (`customer_kind="individual"`): a valid, verified ID card of the customer, and a
    valid, verified ID card of a guarantor who is 18 or older on `on`, is not the customer (same
    number once normalised) and whose Xiamen household registration staff have confirmed. The
    guarantor's region code plays no part: a 3502 number without confirmation is not enough, and a
    confirmed registration is enough whatever the number. The company fields are ignored.

    A document not given at all yields one item asking for it; its verification, and for the
    guarantor the age, identity and household checks, are only asked about once it is given. A
    document given with an invalid number is reported as invalid and, separately, as unverified
    if staff have not verified it. Birth dates after `on` count as invalid.
    """
    if customer_kind == COMPANY:
        missing = _company_missing(
            credit_code=credit_code,
            licence_verified=licence_verified,
            representative_id=representative_id,
            representative_id_verified=representative_id_verified,
            on=on,
        )
    elif customer_kind == INDIVIDUAL:
        missing = _individual_missing(
            own_id=own_id,
            own_id_verified=own_id_verified,
            guarantor_id=guarantor_id,
            guarantor_id_verified=guarantor_id_verified,
            guarantor_xiamen_household_confirmed=guarantor_xiamen_household_confirmed,
            on=on,
        )
    else:
        raise DepositError(
            _("Unknown kind of customer “%(kind)s”: expected a company or an individual.")
            % {"kind": customer_kind},
            code="unknown_customer_kind",
        )
    return WaiverDecision(waived=not missing, missing=tuple(str(item) for item in missing))


def _company_missing(
    *,
    credit_code: str | None,
    licence_verified: bool,
    representative_id: str | None,
    representative_id_verified: bool,
    on: date,
) -> list[str | Promise]:
    missing: list[str | Promise] = []
    if not identity.normalise(credit_code):
        missing.append(
            _("Upload a copy of the business licence and enter its unified social credit code")
        )
    else:
        try:
            identity.clean_credit_code(credit_code)
        except IdentityError as error:
            missing.append(_CREDIT_CODE_PROBLEMS[error.code])
        if not licence_verified:
            missing.append(_("The business licence has not been verified by staff yet"))
    _check_id_card(
        _REPRESENTATIVE, representative_id, verified=representative_id_verified, on=on, into=missing
    )
    return missing


def _individual_missing(
    *,
    own_id: str | None,
    own_id_verified: bool,
    guarantor_id: str | None,
    guarantor_id_verified: bool,
    guarantor_xiamen_household_confirmed: bool,
    on: date,
) -> list[str | Promise]:
    missing: list[str | Promise] = []
    _check_id_card(_CUSTOMER, own_id, verified=own_id_verified, on=on, into=missing)
    guarantor = _check_id_card(
        _GUARANTOR, guarantor_id, verified=guarantor_id_verified, on=on, into=missing
    )
    if guarantor is not None and not identity.is_adult_on(guarantor, on):
        missing.append(_("The guarantor must be an adult (18 or older)"))
    given = identity.normalise(guarantor_id)
    if given and given == identity.normalise(own_id):
        missing.append(_("The guarantor cannot be the customer"))
    if given and not guarantor_xiamen_household_confirmed:
        missing.append(
            _("Staff have not yet confirmed the guarantor's Xiamen household registration")
        )
    return missing


def _check_id_card(
    card: _IdCard, number: str | None, *, verified: bool, on: date, into: list[str | Promise]
) -> str | None:
    """Append what is wrong with one ID card to `into`; return its clean number if it is valid."""
    if not identity.normalise(number):
        into.append(card.upload)
        return None
    clean: str | None
    try:
        clean = identity.clean_resident_id(number, today=on)
    except IdentityError as error:
        into.append(card.problems[error.code])
        clean = None
    if not verified:
        into.append(card.unverified)
    return clean


def explain_waiver(decision: WaiverDecision) -> str:
    """The decision in words, one line per missing item, for the quote page and the console."""
    if decision.waived:
        return _("No deposit: the documents for the waiver are complete and verified by staff.")
    lines = [_("A deposit is required. For it to be waived:")]
    lines.extend(f"• {item}" for item in decision.missing)
    return "\n".join(lines)


def deposit_for_unit(
    *,
    deposit_amount: Decimal | None,
    replacement_value: Decimal,
    rate: Decimal,
) -> Decimal:
    """One unit's deposit in CNY when there is no waiver, rounded half-up to the fen.

    The model's `deposit_amount` when it has one (zero included: the model then asks no deposit),
    else `replacement_value × rate`. Negative or non-finite amounts, and a rate outside 0 to 1,
    raise DepositError; floats raise TypeError, as everywhere money is handled.
    """
    if isinstance(rate, float):
        raise TypeError("A rate must not be a float; pass a Decimal.")
    rate = Decimal(rate)
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        raise DepositError(
            _("The deposit rate must be between 0 and 1; it is %(rate)s.") % {"rate": rate},
            code="invalid_rate",
        )
    if deposit_amount is not None:
        return cny(_non_negative(_amount(deposit_amount)))
    return cny(_non_negative(_amount(replacement_value)) * rate)


def _amount(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or str.")
    return Decimal(value)


#: Ledger kinds that add to what is held; every other kind (refunded, deducted) takes from it.
DEPOSIT_INFLOWS = frozenset({"collected"})


def deposit_held(movements: Iterable[tuple[str, Decimal]]) -> Decimal:
    """What is held for the customer after these ledger movements (kind, amount):
    collected − refunded − deducted."""
    total = ZERO
    for kind, amount in movements:
        total += amount if kind in DEPOSIT_INFLOWS else -amount
    return cny(total)


def _non_negative(amount: Decimal) -> Decimal:
    if not amount.is_finite() or amount < 0:
        raise DepositError(
            _("A deposit cannot be computed from a negative or undefined amount (%(amount)s).")
            % {"amount": amount},
            code="invalid_amount",
        )
    return amount
