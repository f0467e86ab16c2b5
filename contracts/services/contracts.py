"""A contract's life: draft → signed → active (handed over) → returned → closed, or cancelled.

Each transition is one function here; it locks the contract, checks the move, writes its audit
event, and does its money through the insert-only charge and deposit tables.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as calendar
from catalog.models import Asset, CalendarEntry
from catalog.pricing import rent_for_period
from rental.core import audit, policy
from rental.core.errors import ApplicationError
from rental.core.money import ZERO, cny
from rental.core.timeutil import local
from service_tickets.terms import OVERRIDE_KEYS, PUBLISHED_TERMS, ServiceTerms

from .. import selectors
from ..models import Contract, ContractUnit, DepositEntry, Payment
from ..models.contracts import ReturnCondition, SignedPlace
from ..pdf import render_contract_pdf
from ..snapshot import contract_document
from .charges import charge_add, contract_statement

MAX_SIGNATURE_BYTES = 300_000


class ContractError(ApplicationError):
    pass


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _require(contract: Contract, *statuses: str) -> None:
    if contract.status not in statuses:
        raise ContractError(
            _("Contract %(number)s is %(status)s; that cannot be done now.")
            % {"number": contract.number, "status": contract.get_status_display()},
            code="status",
        )


def _units(contract: Contract) -> list[ContractUnit]:
    return list(contract.units.select_related("asset", "model", "calendar_entry"))


def _unit_by_tag(contract: Contract, tag: str) -> ContractUnit:
    """The contract's unit with this QR label; any other label is refused."""
    unit = next((u for u in _units(contract) if u.asset.asset_tag.upper() == tag), None)
    if unit is None:
        raise ContractError(
            _("Unit %(tag)s is not on contract %(number)s. Check the label.")
            % {"tag": tag or "—", "number": contract.number},
            code="wrong_unit",
        )
    return unit


def deposit_balance(*, contract: Contract) -> Decimal:
    """Held for the customer now: collected − refunded − deducted."""
    total = ZERO
    for entry in contract.deposit_entries.all():
        total += entry.amount if entry.kind == DepositEntry.Kind.COLLECTED else -entry.amount
    return cny(total)


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
        _require(contract, Contract.Status.DRAFT)
        old = contract.deposit_amount
        contract.deposit_amount, contract.deposit_waived = amount, False
        contract.deposit_note = reason
        contract.save(update_fields=["deposit_amount", "deposit_waived", "deposit_note"])
        audit.record(
            by, "contracts.contract.deposit_changed", contract, old=old, new=amount, reason=reason
        )
    return contract


def _signature_png(data_url: str) -> str:
    """The drawn signature as base64 PNG, or "" — refusing anything that is not a PNG."""
    if not data_url:
        return ""
    payload = data_url.split(",", 1)[1] if data_url.startswith("data:") else data_url
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ContractError(_("The signature could not be read; please sign again.")) from exc
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > MAX_SIGNATURE_BYTES:
        raise ContractError(_("The signature could not be read; please sign again."))
    return base64.b64encode(raw).decode()


def contract_sign(
    *,
    contract: Contract,
    by,
    place: str,
    terms: ServiceTerms,
    signature: str = "",
    language: str = "zh-hans",
) -> Contract:
    """Both sides sign: freeze the terms, the deposit and the printed document (PDF)."""
    if place not in SignedPlace.values:
        raise ContractError(_("Say where the contract is signed."), code="place")
    png = _signature_png(signature)
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.DRAFT)
        if not contract.deposit_note:
            contract.deposit_waived, contract.deposit_amount = selectors.contract_deposit(
                contract=contract
            )
        now = timezone.now()
        contract.terms_snapshot = terms.to_dict()
        contract.status = Contract.Status.SIGNED
        contract.signed_at, contract.signed_by, contract.signed_place = now, by, place
        contract.customer_signature = png
        signed_terms = contract.service_terms()
        contract.document = contract_document(
            contract=contract,
            terms=signed_terms,
            language=language,
            signature={
                "signed_at": f"{local(now):%Y-%m-%d %H:%M}",
                "place": str(SignedPlace(place).label),
                "signed_by_staff": by.get_full_name() or by.username,
                "customer_signature_png": png,
            },
        )
        contract.pdf.save(
            f"{contract.number}.pdf",
            ContentFile(render_contract_pdf(contract.document)),
            save=False,
        )
        contract.save()
        audit.record(
            by,
            "contracts.contract.signed",
            contract,
            place=place,
            deposit=contract.deposit_amount,
            waived=contract.deposit_waived,
        )
    return contract


def contract_handover_scan(*, contract: Contract, asset_tag: str, by) -> ContractUnit:
    """Hand over one unit by scanning its QR label; a unit not on this contract is refused.
    When the last unit is scanned the contract becomes active."""
    tag = (asset_tag or "").strip().upper()
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.SIGNED)
        unit = _unit_by_tag(contract, tag)
        if unit.handed_over_at:
            raise ContractError(_("Unit %(tag)s is already handed over.") % {"tag": tag})
        unit.handed_over_at = timezone.now()
        unit.save(update_fields=["handed_over_at"])
        audit.record(by, "contracts.contract.unit_handed_over", contract, asset=tag)
        if all(u.handed_over_at for u in _units(contract)):
            _activate(contract, by)
    return unit


def _activate(contract: Contract, by) -> None:
    units = _units(contract)
    calendar.calendar_change_kind(
        entries=[u.calendar_entry for u in units], kind=CalendarEntry.Kind.RENTAL, by=by
    )
    quote = contract.quote
    charge_add(
        contract=contract,
        kind="rent",
        amount=sum((u.rent for u in units), ZERO),
        description=_("Rent, %(count)s units") % {"count": len(units)},
        key=f"contract:{contract.pk}:rent",
        by=by,
    )
    for kind, label in (("delivery", _("Delivery")), ("pickup", _("Pickup"))):
        fee = Decimal(quote.get(f"{kind}_fee", "0") or "0")
        if fee > 0:
            charge_add(
                contract=contract,
                kind=kind,
                amount=fee,
                description=str(label),
                key=f"contract:{contract.pk}:{kind}",
                by=by,
            )
    if not contract.deposit_waived and contract.deposit_amount > 0:
        DepositEntry.objects.create(
            contract=contract,
            kind=DepositEntry.Kind.COLLECTED,
            amount=contract.deposit_amount,
            key=f"contract:{contract.pk}:deposit:collected",
            recorded_by=by,
        )
    contract.status = Contract.Status.ACTIVE
    contract.handed_over_at = timezone.now()
    contract.save(update_fields=["status", "handed_over_at"])
    audit.record(by, "contracts.contract.handed_over", contract)


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
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.ACTIVE)
        unit = _unit_by_tag(contract, tag)
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
        if now > contract.ends_at:
            _charge_late(contract, unit, now, by)
        audit.record(
            by,
            "contracts.contract.unit_returned",
            contract,
            asset=tag,
            condition=condition,
            missing=missing,
            damage=damage_amount,
        )
        if all(u.returned_at for u in _units(contract)):
            contract.status = Contract.Status.RETURNED
            contract.returned_at = now
            contract.save(update_fields=["status", "returned_at"])
            audit.record(by, "contracts.contract.returned", contract)
    return unit


def _charge_damage(contract, unit, amount: Decimal, missing: list[str], by) -> None:
    if amount <= 0:
        return
    what = _("Damage to %(tag)s") % {"tag": unit.asset.asset_tag}
    if missing:
        what += " · " + _("missing: %(items)s") % {"items": "、".join(missing)}
    from_deposit = min(amount, deposit_balance(contract=contract))
    if from_deposit > 0:
        DepositEntry.objects.create(
            contract=contract,
            kind=DepositEntry.Kind.DEDUCTED,
            amount=from_deposit,
            reason=what,
            key=f"contract:{contract.pk}:unit:{unit.pk}:damage",
            recorded_by=by,
        )
    if amount > from_deposit:
        charge_add(
            contract=contract,
            kind="damage",
            amount=amount - from_deposit,
            description=what,
            key=f"contract:{contract.pk}:unit:{unit.pk}:damage",
            by=by,
        )


def _charge_late(contract, unit, returned_at: datetime, by) -> None:
    model = unit.model
    extra = rent_for_period(
        hour=model.hour_rate,
        day=model.day_rate,
        week=model.week_rate,
        month=model.month_rate,
        start=contract.ends_at,
        end=returned_at,
    )
    surcharge = policy.current().late_return_surcharge
    charge_add(
        contract=contract,
        kind="late_return",
        amount=cny(extra * (1 + surcharge)),
        description=_("Late return of %(tag)s: %(hours)s after the end, rate card + %(pct)s %%")
        % {
            "tag": unit.asset.asset_tag,
            "pct": int(surcharge * 100),
            "hours": _duration(returned_at - contract.ends_at),
        },
        key=f"contract:{contract.pk}:unit:{unit.pk}:late",
        by=by,
    )


def _duration(delta) -> str:
    hours = int(delta.total_seconds() // 3600) + (1 if delta.total_seconds() % 3600 else 0)
    return _("%(n)s h") % {"n": hours}


def contract_close(*, contract: Contract, by) -> Contract:
    """Settle: unpaid charges are taken from the deposit, the rest of the deposit is refunded."""
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.RETURNED)
        held = deposit_balance(contract=contract)
        owed = contract_statement(contract=contract).balance
        applied = min(held, max(owed, ZERO))
        if applied > 0:
            DepositEntry.objects.create(
                contract=contract,
                kind=DepositEntry.Kind.DEDUCTED,
                amount=applied,
                reason=_("Unpaid charges"),
                key=f"contract:{contract.pk}:deposit:unpaid",
                recorded_by=by,
            )
            Payment.objects.create(
                contract=contract, amount=applied, method=Payment.Method.DEPOSIT, received_by=by
            )
        refund = held - applied
        if refund > 0:
            DepositEntry.objects.create(
                contract=contract,
                kind=DepositEntry.Kind.REFUNDED,
                amount=refund,
                reason=_("Refund at closing"),
                key=f"contract:{contract.pk}:deposit:refund",
                recorded_by=by,
            )
        contract.status = Contract.Status.CLOSED
        contract.closed_at = timezone.now()
        contract.save(update_fields=["status", "closed_at"])
        audit.record(
            by,
            "contracts.contract.closed",
            contract,
            refunded=refund,
            applied=applied,
            still_owed=owed - applied,
        )
    return contract


def contract_cancel(*, contract: Contract, by, reason: str) -> Contract:
    """Cancel before handover; every unit is free again at once."""
    if not (reason or "").strip():
        raise ContractError(_("Give the reason for cancelling."), code="reason")
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.DRAFT, Contract.Status.SIGNED)
        calendar.calendar_release(
            entries=[u.calendar_entry for u in _units(contract)], by=by, reason="contract cancelled"
        )
        contract.status = Contract.Status.CANCELLED
        contract.cancel_reason = reason.strip()[:300]
        contract.save(update_fields=["status", "cancel_reason"])
        audit.record(by, "contracts.contract.cancelled", contract, reason=reason)
    return contract


def contract_extend(*, contract: Contract, ends_at: datetime, by) -> Contract:
    """Extend an active rental while every unit's calendar is free; the extra time is charged."""
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.ACTIVE)
        if ends_at <= contract.ends_at:
            raise ContractError(_("The new end must be after the current end."), code="period")
        if local(ends_at).minute or ends_at.second:
            raise ContractError(_("Rentals start and end on the hour."), code="period")
        old_end = contract.ends_at
        extra = ZERO
        for unit in _units(contract):
            if unit.returned_at:
                continue
            calendar.calendar_set_end(entry=unit.calendar_entry, ends_at=ends_at, by=by)
            m = unit.model
            extra += rent_for_period(
                hour=m.hour_rate,
                day=m.day_rate,
                week=m.week_rate,
                month=m.month_rate,
                start=old_end,
                end=ends_at,
            )
        contract.ends_at = ends_at
        contract.save(update_fields=["ends_at"])
        charge_add(
            contract=contract,
            kind="rent",
            amount=extra,
            description=_("Extension to %(when)s") % {"when": f"{local(ends_at):%Y-%m-%d %H:%M}"},
            key=f"contract:{contract.pk}:extension:{int(ends_at.timestamp())}",
            by=by,
        )
        audit.record(
            by, "contracts.contract.extended", contract, old=old_end, new=ends_at, charged=extra
        )
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
        _require(contract, Contract.Status.DRAFT)
        overrides = {**contract.terms_overrides, key: value}
        PUBLISHED_TERMS.with_overrides(overrides)
        contract.terms_overrides = overrides
        contract.save(update_fields=["terms_overrides"])
        audit.record(by, "contracts.contract.term_set", contract, key=key, value=value)
    return contract


def contract_clear_term(*, contract: Contract, key: str, by) -> Contract:
    with transaction.atomic():
        contract = _lock(contract)
        _require(contract, Contract.Status.DRAFT)
        overrides = dict(contract.terms_overrides)
        if overrides.pop(key, None) is not None:
            contract.terms_overrides = overrides
            contract.save(update_fields=["terms_overrides"])
            audit.record(by, "contracts.contract.term_cleared", contract, key=key)
    return contract
