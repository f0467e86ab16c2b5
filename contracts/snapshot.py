"""The printed contract as a plain dict of words in one language, made from the contract's facts.

Everything priced is read from what the contract froze at signing (rents, trip fees, deposit,
terms snapshot), so the document reads the same whenever it is made and in whichever language;
the PDF kept at signing is this document in the signing language.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from catalog.pricing import rent_line_text
from rental.core import policy
from rental.core.money import plain_number
from rental.core.phones import display_phone
from rental.core.timeutil import local
from service_tickets.periods import period_words
from service_tickets.sla import rental_days
from service_tickets.terms import FIELD_KINDS, TIER_LABELS, ServiceTerms
from service_tickets.terms_labels import term_label, term_value_text

from .models import Contract
from .models.contracts import SignedPlace
from .terms_text import service_terms_in_words

LESSOR = {
    "name": "厦门新思索计算机租赁有限公司",
    "address": "厦门市思明区软件园二期观日路 24 号",
    "phone": "0592-5500000",
}


def _when(value) -> str:
    return f"{local(value):%Y-%m-%d %H:%M}"


def contract_document(
    *,
    contract: Contract,
    terms: ServiceTerms,
    language: str,
    signature: dict | None = None,
    trip_fees: tuple[Decimal, Decimal] | None = None,
) -> dict:
    """Everything the 租赁协议书 prints, in `language`, as strings. `trip_fees` (delivery,
    pickup) default to the signed ones; a draft's preview passes what they would be now."""
    trip_fees = trip_fees or (contract.delivery_fee, contract.pickup_fee)
    with translation.override(language):
        customer = contract.customer
        company = customer.is_company
        quote = contract.quote
        lines = {line["model_id"]: line for line in quote.get("lines", [])}
        delivery_fee, pickup_fee = trip_fees
        units = list(contract.units.select_related("asset", "model__brand"))
        address = contract.address
        return {
            "number": contract.number,
            "language": language,
            "lessor": LESSOR,
            "customer": {
                "kind": customer.kind,
                "name": customer.name,
                "id_label": _("Unified social credit code") if company else _("Resident ID number"),
                "id_number": customer.credit_code if company else customer.resident_id,
                "representative": customer.legal_representative if company else "",
                "phone": display_phone(customer.phone),
                "address": str(address) if address else "",
            },
            "period": {
                "starts_at": _when(contract.starts_at),
                "ends_at": _when(contract.ends_at),
                "days": rental_days(start=contract.starts_at, end=contract.ends_at),
                "words": period_words(start=contract.starts_at, end=contract.ends_at),
            },
            "fulfilment": str(contract.get_fulfilment_display())
            + (f" · {address}" if address else ""),
            "tier_label": _(TIER_LABELS[contract.tier]),
            "units": [
                {
                    "model": str(unit.model),
                    "serial": unit.asset.serial_number,
                    "asset_tag": unit.asset.asset_tag,
                    "rent": str(unit.rent),
                    "breakdown": [
                        rent_line_text(item)
                        for item in lines.get(unit.model_id, {}).get("breakdown", [])
                    ],
                    "accessories": [
                        item.get("zh" if language.startswith("zh") else "en") or item.get("zh", "")
                        for item in unit.model.accessories
                    ],
                }
                for unit in units
            ],
            "delivery_fee": str(delivery_fee),
            "pickup_fee": str(pickup_fee),
            "rent_total": str(sum(unit.rent for unit in units)),
            "total": str(sum(unit.rent for unit in units) + delivery_fee + pickup_fee),
            "deposit": {
                "waived": contract.deposit_waived,
                "amount": str(contract.deposit_amount),
                "reasons": _deposit_reasons(contract),
            },
            "service_terms": service_terms_in_words(terms=terms, tier=contract.tier),
            "special_terms": [
                _("%(key)s: %(value)s")
                % {"key": term_label(key), "value": term_value_text(key, value)}
                for key, value in contract.terms_overrides.items()
                if key in FIELD_KINDS
            ],
            "late_return": _late_rule(contract),
            "signature": _signature_words(signature),
        }


def _late_rule(contract: Contract) -> dict:
    """The late-return rule the contract prices by: its snapshot once signed, else today's."""
    if contract.policy_snapshot:
        surcharge = Decimal(contract.policy_snapshot["late_return_surcharge"])
        grace = int(contract.policy_snapshot.get("late_return_grace_minutes", 0))
    else:
        house = policy.current()
        surcharge, grace = house.late_return_surcharge, house.late_return_grace_minutes
    return {"surcharge_pct": plain_number(surcharge * 100), "grace_minutes": grace}


def _deposit_reasons(contract: Contract) -> list[str]:
    if contract.deposit_waived:
        if contract.customer.is_company:
            return [_("Waived: business licence and responsible person's ID verified.")]
        return [_("Waived: own ID and a Xiamen guarantor verified.")]
    return [contract.deposit_note] if contract.deposit_note else []


def _signature_words(signature: dict | None) -> dict | None:
    """The stored signature facts, with the place in this document's language."""
    if not signature:
        return None
    place = signature.get("place", "")
    if place in SignedPlace.values:
        place = str(SignedPlace(place).label)
    return {**signature, "place": place}
