"""How the history, the money rows and the rent of a reservation or contract read to people."""

from django import template

from catalog.pricing import rent_line_text
from rental.core.audit_labels import event_sentence

from ..money_text import charge_text, deposit_text, payment_text

register = template.Library()


@register.filter
def audit_label(event) -> str:
    """The event in words, with the detail staff look for (which unit, which amount)."""
    return event_sentence(event)


@register.filter
def rent_lines(breakdown) -> str:
    """A quote line's rent breakdown in the reader's language: "1 × week at ¥150.00 + …"."""
    return " + ".join(rent_line_text(item) for item in breakdown or ())


@register.filter
def yuan(amount) -> str:
    """¥12.00, and a credit as −¥12.00 (not ¥-12.00)."""
    return f"−¥{-amount}" if amount < 0 else f"¥{amount}"


register.filter("charge_text", charge_text)
register.filter("deposit_text", deposit_text)
register.filter("payment_text", payment_text)
