"""A contract's life: draft → signed → active (handed over) → returned → closed, or cancelled.

Each transition is one function here; it locks the contract, checks the move, writes its audit
event, and does its money through the insert-only charge and deposit tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as calendar
from catalog.models import Asset, CalendarEntry
from catalog.pricing import RateCard, extension_rent, late_return_rent
from rental import webhooks
from rental.core import audit, policy
from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny
from rental.core.policy import check_rental_length
from rental.core.state import lock, require, set_status
from rental.core.timeutil import local
from service_tickets.selectors import contract_terms, terms_in_force
from service_tickets.terms import OVERRIDE_KEYS

from .. import selectors
from ..models import Contract, ContractUnit, DepositEntry, Payment
from ..models.contracts import ReturnCondition, SignedPlace
from ..pdf import render_contract_pdf
from ..signature import signature_png
from ..snapshot import contract_document
from .charges import charge_add, deposit_balance, deposit_entry_add
from .distance import distance_needs_confirming
from .handover import contract_start_for_handover
from .settlement import contract_settlement, settlement_check

ACTION = "contracts.contract."


class ContractError(ApplicationError):
    pass


def _hook(contract: Contract, **extra) -> dict:
    """What a webhook receiver hears about a contract: facts, no sentences."""
    return {
        "number": contract.number,
        "status": contract.status,
        "customer": contract.customer_id,
        "starts_at": contract.starts_at,
        "ends_at": contract.ends_at,
        **extra,
    }


def _lock(contract: Contract) -> Contract:
    return lock(contract)


def _units(contract: Contract) -> list[ContractUnit]:
    return list(contract.units.select_related("asset", "model", "calendar_entry"))


def _unit_by_tag(units: list[ContractUnit], contract: Contract, tag: str) -> ContractUnit:
    """The contract's unit with this QR label; any other label is refused."""
    unit = next((u for u in units if u.asset.asset_tag.upper() == tag), None)
    if unit is None:
        raise ContractError(
            _("Unit %(tag)s is not on contract %(number)s. Check the label.")
            % {"tag": tag or "—", "number": contract.number},
            code="wrong_unit",
        )
    return unit


def contract_set_deposit(*, contract: Contract, amount: Decimal, reason: str, by) -> Contract:
    """Change the deposit before signing; only with a written reason, which is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ContractError(_("Give the reason for changing the deposit."), code="reason")
    amount = cny(amount)
    if amount < 0:
        raise ContractError(_("The deposit cannot be negative."))
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_edit_terms())
        old = contract.deposit_amount
        contract.deposit_amount, contract.deposit_waived = amount, False
        contract.deposit_note = reason
        contract.save(update_fields=["deposit_amount", "deposit_waived", "deposit_note"])
        audit.record(by, ACTION + "deposit_changed", contract, old=old, new=amount, reason=reason)
    return contract


def contract_sign(
    *,
    contract: Contract,
    by,
    place: str,
    signature: str = "",
    language: str = "zh-hans",
    store_pdf: bool = True,
) -> Contract:
    """Both sides sign. Everything that prices the contract later is frozen now (DOMAIN.md
    "What is frozen, and when"): the tier terms in force (its own terms stay on top), each
    unit's rate card, the deposit and its waiver, the house policy's late surcharge and deposit
    rate, and each trip's fee. The printed contract (PDF) is rendered after the row is released.
    """
    if place not in SignedPlace.values:
        raise ContractError(_("Say where the contract is signed."), code="place")
    png = signature_png(signature, error=ContractError)
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_sign())
        if distance_needs_confirming(contract):
            raise ContractError(
                _("Confirm the road distance to the site before signing: the trip fees use it."),
                code="distance_unconfirmed",
            )
        house = policy.current()
        if not contract.deposit_note:
            contract.deposit_waived, contract.deposit_amount = selectors.contract_deposit(
                contract=contract
            )
        now = timezone.now()
        contract.terms_snapshot = terms_in_force(at=now).to_dict()
        contract.policy_snapshot = {
            "late_return_surcharge": str(house.late_return_surcharge),
            "late_return_grace_minutes": house.late_return_grace_minutes,
            "deposit_rate": str(house.deposit_rate),
        }
        contract.delivery_fee, contract.pickup_fee = selectors.contract_trip_fees(contract=contract)
        units = _units(contract)
        for unit in units:
            unit.rate_card = unit.model.rate_card().to_dict()
        ContractUnit.objects.bulk_update(units, ["rate_card"])
        contract.signed_at, contract.signed_by, contract.signed_place = now, by, place
        contract.customer_signature = png
        contract.document = {
            "language": language,
            "signature": {
                "signed_at": f"{local(now):%Y-%m-%d %H:%M}",
                "place": place,
                "signed_by_staff": by.get_full_name() or by.username,
                "customer_signature_png": png,
            },
        }
        set_status(
            contract,
            Contract.Status.SIGNED,
            by=by,
            event=ACTION + "signed",
            fields=[
                "terms_snapshot",
                "policy_snapshot",
                "delivery_fee",
                "pickup_fee",
                "deposit_waived",
                "deposit_amount",
                "signed_at",
                "signed_by",
                "signed_place",
                "customer_signature",
                "document",
            ],
            place=place,
            deposit=contract.deposit_amount,
            waived=contract.deposit_waived,
        )
        webhooks.emit(
            event="contract.signed", payload=_hook(contract, deposit=contract.deposit_amount)
        )
    if store_pdf:  # the demo's history skips it: the PDF view renders one when none is kept
        contract_store_pdf(contract=contract)
    return contract


def contract_store_pdf(*, contract: Contract) -> Contract:
    """Render the signed contract in its signing language and keep the file, so it prints the
    same forever. Runs outside any lock: rendering takes a while and needs no row held."""
    document = contract_document(
        contract=contract,
        terms=contract_terms(contract),
        language=contract.document.get("language", "zh-hans"),
        signature=contract.document.get("signature"),
    )
    contract.pdf.save(
        f"{contract.number}.pdf", ContentFile(render_contract_pdf(document)), save=False
    )
    Contract.objects.filter(pk=contract.pk).update(pdf=contract.pdf.name)
    return contract


def contract_handover_scan(*, contract: Contract, asset_tag: str, by) -> ContractUnit:
    """Hand over one unit by scanning its QR label; a unit not on this contract is refused.
    When the last unit is scanned the contract becomes active."""
    tag = (asset_tag or "").strip().upper()
    with transaction.atomic(), audit.batch():
        contract = _lock(contract)
        require(contract, contract.can_hand_over())
        # Read once: a contract of 20 units is scanned 20 times, each under the row lock.
        units = _units(contract)
        unit = _unit_by_tag(units, contract, tag)
        if unit.handed_over_at:
            raise ContractError(_("Unit %(tag)s is already handed over.") % {"tag": tag})
        # Earlier than the start minus the buffer, the start moves first (or the scan is
        # refused): a unit is never out while its calendar says it is free. It re-prices
        # these same unit objects.
        contract_start_for_handover(contract=contract, units=units, now=timezone.now(), by=by)
        unit.handed_over_at = timezone.now()
        unit.save(update_fields=["handed_over_at"])
        audit.record(by, ACTION + "unit_handed_over", contract, asset=tag)
        if all(u.handed_over_at for u in units):
            _activate(contract, units, by)
    return unit


def _activate(contract: Contract, units: list[ContractUnit], by) -> None:
    calendar.calendar_change_kind(
        entries=[u.calendar_entry for u in units], kind=CalendarEntry.Kind.RENTAL, by=by
    )
    charge_add(
        contract=contract,
        kind="rent",
        amount=sum((u.rent for u in units), ZERO),
        details={"what": "rent", "units": len(units)},
        key=f"contract:{contract.pk}:rent",
        by=by,
    )
    for kind in ("delivery", "pickup"):
        fee = contract.trip_fee(kind)
        if fee > 0:
            charge_add(
                contract=contract,
                kind=kind,
                amount=fee,
                details={"what": kind},
                key=trip_charge_key(contract, kind),
                by=by,
            )
    if not contract.deposit_waived and contract.deposit_amount > 0:
        deposit_entry_add(
            contract=contract,
            kind=DepositEntry.Kind.COLLECTED,
            amount=contract.deposit_amount,
            key=f"contract:{contract.pk}:deposit:collected",
            by=by,
        )
    contract.handed_over_at = timezone.now()
    set_status(
        contract,
        Contract.Status.ACTIVE,
        by=by,
        event=ACTION + "handed_over",
        fields=["handed_over_at"],
    )
    webhooks.emit(event="contract.handed_over", payload=_hook(contract))


def trip_charge_key(contract: Contract, kind: str) -> str:
    """One charge per trip, whoever posts it first (the handover or the trip ticket)."""
    return f"contract:{contract.pk}:{kind}"


def contract_return_unit(
    *,
    contract: Contract,
    asset_tag: str,
    condition: str,
    by,
    missing_accessories: list[str] | None = None,
    damage_amount: Decimal = ZERO,
    notes: str = "",
    returned_at: datetime | None = None,
) -> ContractUnit:
    """Check one unit back in. Damage or missing accessories cost `damage_amount`, taken from
    the deposit as far as it goes (the rest is charged), and the unit goes to repair. A late
    unit is charged the extra time at the rate card plus the late surcharge."""
    tag = (asset_tag or "").strip().upper()
    missing = [m for m in (missing_accessories or []) if m]
    damage_amount = cny(damage_amount or ZERO)
    if condition not in ReturnCondition.values:
        raise ContractError(_("Record the unit's condition."), code="condition")
    damaged = condition == ReturnCondition.DAMAGED
    if damage_amount < 0 or (damaged and damage_amount == 0):
        raise ContractError(_("Enter the cost of the damage."), code="damage_amount")
    now = returned_at or timezone.now()
    with transaction.atomic(), audit.batch():
        contract = _lock(contract)
        require(contract, contract.can_return_units())
        units = _units(contract)
        unit = _unit_by_tag(units, contract, tag)
        if unit.returned_at:
            raise ContractError(_("Unit %(tag)s is already returned.") % {"tag": tag})
        unit.returned_at, unit.return_condition = now, condition
        unit.missing_accessories, unit.return_notes = missing, notes.strip()[:300]
        unit.save(
            update_fields=["returned_at", "return_condition", "missing_accessories", "return_notes"]
        )
        calendar.calendar_release(entries=[unit.calendar_entry], by=by, reason="returned")
        _charge_damage(contract, unit, damage_amount, missing, by)
        if damaged:
            calendar.asset_set_service_status(
                asset=unit.asset,
                status=Asset.ServiceStatus.IN_REPAIR,
                by=by,
                note=notes or _("Damaged at return of %(number)s") % {"number": contract.number},
            )
        if now > contract.ends_at + late_grace(contract):
            _charge_late(contract, unit, now, by)
        audit.record(
            by,
            ACTION + "unit_returned",
            contract,
            asset=tag,
            condition=condition,
            missing=missing,
            damage=damage_amount,
        )
        if all(u.returned_at for u in units):
            contract.returned_at = now
            set_status(
                contract,
                Contract.Status.RETURNED,
                by=by,
                event=ACTION + "returned",
                fields=["returned_at"],
            )
            webhooks.emit(event="contract.returned", payload=_hook(contract))
    return unit


def _charge_damage(contract, unit, amount: Decimal, missing: list[str], by) -> None:
    if amount <= 0:
        return
    names = {a.get("zh") or a.get("en", ""): a for a in unit.model.accessories}
    details = {
        "what": "damage",
        "asset": unit.asset.asset_tag,
        # Both names of each accessory, so the statement reads in its reader's language.
        "missing": [names.get(m, {"zh": m, "en": m}) for m in missing],
    }
    from_deposit = min(amount, deposit_balance(contract=contract))
    key = f"contract:{contract.pk}:unit:{unit.pk}:damage"
    if from_deposit > 0:
        deposit_entry_add(
            contract=contract,
            kind=DepositEntry.Kind.DEDUCTED,
            amount=from_deposit,
            details=details,
            key=key,
            by=by,
        )
    if amount > from_deposit:
        charge_add(
            contract=contract,
            kind="damage",
            amount=amount - from_deposit,
            details=details,
            key=key,
            by=by,
        )


def _signed_card(unit: ContractUnit) -> RateCard:
    """The unit's rate card as signed; a contract signed before cards were kept uses its model's
    card as it was when this code first ran for it (the migration copied it)."""
    return RateCard.from_dict(unit.rate_card)


def late_grace(contract: Contract) -> timedelta:
    """The grace after the end within which a return is not late, as signed (none for contracts
    signed before the policy had one)."""
    return timedelta(minutes=int(contract.policy_snapshot.get("late_return_grace_minutes", 0)))


def _late_surcharge(contract: Contract) -> Decimal:
    return Decimal(contract.policy_snapshot["late_return_surcharge"])


def _charge_late(contract, unit, returned_at: datetime, by) -> None:
    late = late_return_rent(
        card=_signed_card(unit),
        due=contract.ends_at,
        returned=returned_at,
        surcharge=_late_surcharge(contract),
    )
    if late.amount <= 0:
        return
    charge_add(
        contract=contract,
        kind="late_return",
        amount=late.amount,
        details={
            "what": "late_return",
            "asset": unit.asset.asset_tag,
            "due": contract.ends_at.isoformat(),
            "returned": returned_at.isoformat(),
            "surcharge": str(_late_surcharge(contract)),
        },
        key=f"contract:{contract.pk}:unit:{unit.pk}:late",
        by=by,
    )


def contract_close(
    *, contract: Contract, by, refund_method: str = "", refund_reference: str = ""
) -> Contract:
    """Settle and close: unpaid charges are taken from the deposit and the rest is refunded,
    paid out by `refund_method` (cash, bank, WeChat, Alipay) with its reference.

    Refused while anything is still owed after the deposit (settlement.settlement_check): the
    debt is collected as a payment, or a manager writes it off, first.
    """
    refund_reference = (refund_reference or "").strip()[:100]
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_close())
        plan = contract_settlement(contract=contract)
        settlement_check(
            settlement=plan, refund_method=refund_method, refund_reference=refund_reference
        )
        if plan.applied > 0:
            deposit_entry_add(
                contract=contract,
                kind=DepositEntry.Kind.DEDUCTED,
                amount=plan.applied,
                details={"what": "unpaid_charges"},
                key=f"contract:{contract.pk}:deposit:unpaid",
                by=by,
            )
            Payment.objects.create(
                contract=contract,
                amount=plan.applied,
                method=Payment.Method.DEPOSIT,
                received_by=by,
            )
        if plan.refund > 0:
            deposit_entry_add(
                contract=contract,
                kind=DepositEntry.Kind.REFUNDED,
                amount=plan.refund,
                details={
                    "what": "refund_at_closing",
                    "method": refund_method,
                    "reference": refund_reference,
                },
                key=f"contract:{contract.pk}:deposit:refund",
                by=by,
            )
        contract.closed_at = timezone.now()
        set_status(
            contract,
            Contract.Status.CLOSED,
            by=by,
            event=ACTION + "closed",
            fields=["closed_at"],
            refunded=plan.refund,
            applied=plan.applied,
            refund_method=refund_method,
        )
        webhooks.emit(event="contract.closed", payload=_hook(contract, refunded=plan.refund))
    return contract


def contract_cancel(*, contract: Contract, by, reason: str) -> Contract:
    """Cancel before handover; every unit is free again at once."""
    if not (reason or "").strip():
        raise ContractError(_("Give the reason for cancelling."), code="reason")
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_cancel())
        calendar.calendar_release(
            entries=[u.calendar_entry for u in _units(contract)], by=by, reason="contract cancelled"
        )
        contract.cancel_reason = reason.strip()[:300]
        set_status(
            contract,
            Contract.Status.CANCELLED,
            by=by,
            event=ACTION + "cancelled",
            fields=["cancel_reason"],
            reason=reason,
        )
    return contract


def contract_extend(*, contract: Contract, ends_at: datetime, by) -> Contract:
    """Extend an active rental while every unit's calendar is free.

    Each unit still out is priced by `pricing.extension_rent`: the whole new period at its
    signed card, less the rent already agreed for it, never below 0; the agreed rent grows by
    what is charged.
    """
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_extend())
        if ends_at <= contract.ends_at:
            raise ContractError(_("The new end must be after the current end."), code="period")
        check_rental_length(starts_at=contract.starts_at, ends_at=ends_at)
        if local(ends_at).minute or ends_at.second:
            raise ContractError(_("Rentals start and end on the hour."), code="period")
        old_end = contract.ends_at
        extra, priced = ZERO, []
        for unit in _units(contract):
            if unit.returned_at:
                continue
            calendar.calendar_set_end(entry=unit.calendar_entry, ends_at=ends_at, by=by)
            cost = extension_rent(
                card=_signed_card(unit), start=contract.starts_at, new_end=ends_at, agreed=unit.rent
            ).amount
            unit.rent = cny(unit.rent + cost)
            priced.append(unit)
            extra += cost
        ContractUnit.objects.bulk_update(priced, ["rent"])
        contract.ends_at = ends_at
        contract.save(update_fields=["ends_at"])
        if extra > 0:
            charge_add(
                contract=contract,
                kind="rent",
                amount=extra,
                details={"what": "extension", "until": ends_at.isoformat()},
                key=f"contract:{contract.pk}:extension:{int(ends_at.timestamp())}",
                by=by,
            )
        audit.record(by, ACTION + "extended", contract, old=old_end, new=ends_at, charged=extra)
    return contract


def contract_set_term(*, contract: Contract, key: str, value: str, by) -> Contract:
    """Give a draft contract its own service term (it wins over the tier's published one).

    The value is checked by building the contract's terms with it, so a bad value is refused
    with the rule's own message and nothing is saved.
    """
    if key not in OVERRIDE_KEYS:
        raise ContractError(_("Choose a service term from the list."), code="key")
    value = (value or "").strip()
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_edit_terms())
        overrides = {**contract.terms_overrides, key: value}
        terms_in_force().with_overrides(overrides)
        contract.terms_overrides = overrides
        contract.save(update_fields=["terms_overrides"])
        audit.record(by, ACTION + "term_set", contract, key=key, value=value)
    return contract


def contract_clear_term(*, contract: Contract, key: str, by) -> Contract:
    with transaction.atomic():
        contract = _lock(contract)
        require(contract, contract.can_edit_terms())
        overrides = dict(contract.terms_overrides)
        if overrides.pop(key, None) is not None:
            contract.terms_overrides = overrides
            contract.save(update_fields=["terms_overrides"])
            audit.record(by, ACTION + "term_cleared", contract, key=key)
    return contract
