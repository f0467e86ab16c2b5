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


def staff_recipients(group: str = User.StaffGroup.FRONT_DESK) -> list[Recipient]:
    staff = User.objects.filter(role=User.Role.STAFF, is_active=True, groups__name=group)
    return [
        Recipient(
            name=user.get_full_name() or user.username,
            email=user.email or None,
            phone=user.phone or None,
            language=user.preferred_language,
            user=user,
        )
        for user in staff.distinct()
    ]


def tell(event: str, key: str, *, customer: Customer, context: dict, staff: bool = True) -> None:
    recipients = [customer_recipient(customer)]
    if staff:
        recipients += staff_recipients()
    notify(event=event, key=key, recipients=recipients, context=context)
