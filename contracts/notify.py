"""Who hears about a reservation or contract: the customer, and the front desk."""

from __future__ import annotations

from rental.accounts.models import User
from rental.notifications.services import Notice, Recipient, notify_together

from .models import Customer


def customer_recipient(customer: Customer) -> Recipient:
    user = customer.user
    return Recipient(
        name=customer.name,
        email=customer.email or (user.email if user else None) or None,
        phone=customer.phone or None,
        language=user.preferred_language if user else "zh-hans",
        user=user,
    )


def staff_recipients(*groups: str) -> list[Recipient]:
    """Active staff in any of `groups` (default: the front desk), each in their own language."""
    staff = User.objects.filter(
        role=User.Role.STAFF,
        is_active=True,
        groups__name__in=groups or (User.StaffGroup.FRONT_DESK,),
    ).distinct()
    # What a recipient is made of (`Recipient.for_user`), not every column of every staff user.
    staff = staff.only(
        "username", "first_name", "last_name", "email", "phone", "preferred_language"
    )
    return [Recipient.for_user(user) for user in staff.order_by("pk")]


def tell(event: str, key: str, *, customer: Customer, context: dict, staff: bool = True) -> None:
    """The customer hears `event` in the customer's words; the front desk, if `staff`, hears
    `staff.<event>`: the same facts worded for the person who has to act on them. Both are
    recorded by one INSERT and delivered by one task per channel."""
    notices = [(event, Notice(key=key, recipients=[customer_recipient(customer)], context=context))]
    if staff:
        notices += _staff_notices(f"staff.{event}", key, customer=customer, context=context)
    notify_together(notices=notices)


def tell_staff(event: str, key: str, *, customer: Customer | None, context: dict) -> None:
    """A staff-worded notice to the front desk (each member in their own language)."""
    notices = _staff_notices(event, key, customer=customer, context=context)
    if notices:
        notify_together(notices=notices)


def _staff_notices(
    event: str, key: str, *, customer: Customer | None, context: dict
) -> list[tuple[str, Notice]]:
    recipients = staff_recipients()
    if not recipients:
        return []
    context = {**context, "customer_name": customer.name if customer else ""}
    return [(event, Notice(key=f"{key}:staff", recipients=recipients, context=context))]
