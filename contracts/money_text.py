"""Charges and deposit movements in words, in the reader's language, from the facts they keep.

A charge stores what the rule computed (`details`: what it is for, counts, tags, times); the
sentence is made when it is shown, so a statement reads in Chinese to one reader and in English
to another. What staff typed themselves (`description`, a `reason`) is shown as typed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from rental.core.i18n import pick
from rental.core.money import plain_number
from rental.core.timeutil import local

from .models import Charge, DepositEntry, Payment


def _when(value: str) -> str:
    return f"{local(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


def _damage(details: dict) -> str:
    text = gettext("Damage to %(tag)s") % {"tag": details.get("asset", "")}
    if details.get("missing"):
        items = [
            pick(m.get("zh", ""), m.get("en", "")) if isinstance(m, dict) else m
            for m in details["missing"]
        ]
        text += " · " + gettext("missing: %(items)s") % {"items": ", ".join(items)}
    return text


def _facts_text(details: dict) -> str | None:
    what = details.get("what")
    if what == "rent":
        units = details.get("units", 0)
        return ngettext("Rent, %(count)s unit", "Rent, %(count)s units", units) % {"count": units}
    if what == "delivery":
        return gettext("Delivery to the customer's address")
    if what == "pickup":
        return gettext("Pickup from the customer's address")
    if what == "extension":
        return gettext("Extension to %(when)s") % {"when": _when(details["until"])}
    if what == "late_return":
        return gettext(
            "Late return of %(tag)s: due %(due)s, back %(returned)s; rate card + %(pct)s %%"
        ) % {
            "tag": details.get("asset", ""),
            "due": _when(details["due"]),
            "returned": _when(details["returned"]),
            "pct": plain_number(Decimal(details.get("surcharge", "0")) * 100),
        }
    if what == "damage":
        return _damage(details)
    if what == "unpaid_charges":
        return gettext("Unpaid charges")
    if what == "refund_at_closing":
        text = gettext("Refund at closing")
        if details.get("method"):
            text += " · " + str(dict(Payment.Method.choices).get(details["method"], ""))
        if details.get("reference"):
            text += " · " + gettext("ref. %(reference)s") % {"reference": details["reference"]}
        return text
    if what == "write_off":
        return gettext("Written off by a manager: %(reason)s") % {
            "reason": details.get("reason", "")
        }
    if what == "surcharge_waived":
        return gettext("Ticket %(number)s: 24-hour surcharge waived") % {
            "number": details.get("number", "")
        }
    if what == "service_ticket":
        text = gettext("Service ticket %(number)s") % {"number": details.get("number", "")}
        if details.get("surcharge"):
            text += " · " + gettext("incl. 24-hour surcharge %(amount)s CNY") % {
                "amount": details["surcharge"]
            }
        return text
    return None


def charge_text(charge: Charge) -> str:
    return charge.description or _facts_text(charge.details or {}) or charge.get_kind_display()


def deposit_text(entry: DepositEntry) -> str:
    details = entry.details or {}
    if details:
        return _facts_text(details) or entry.reason
    return entry.reason


def payment_text(payment: Payment) -> str:
    """ "Paid · WeChat Pay · ref. 4200001234": how, and the reference that finds it again; an
    overpayment handed back reads "Overpayment refunded · …"."""
    what = gettext("Overpayment refunded") if payment.is_refund else gettext("Paid")
    text = what + " · " + str(payment.get_method_display())
    if payment.reference:
        text += " · " + gettext("ref. %(reference)s") % {"reference": payment.reference}
    return text
