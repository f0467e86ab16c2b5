"""Who hears about a reservation or contract: the customer, and the front desk."""

from __future__ import annotations

from rental.accounts.models import User
from rental.notifications.services import Recipient, notify

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
    return [Recipient.for_user(user) for user in staff.order_by("pk")]


def tell(event: str, key: str, *, customer: Customer, context: dict, staff: bool = True) -> None:
    recipients = [customer_recipient(customer)]
    if staff:
        recipients += staff_recipients()
    notify(event=event, key=key, recipients=recipients, context=context)
