"""Who hears about a reservation or contract: the customer, and the front desk."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection

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
    staff = User.objects.raw(
        _STAFF.format(
            user=connection.ops.quote_name(User._meta.db_table),
            membership=connection.ops.quote_name(User.groups.through._meta.db_table),
            group=connection.ops.quote_name(Group._meta.db_table),
        ),
        [User.Role.STAFF, list(groups or (User.StaffGroup.FRONT_DESK,))],
    )
    return [Recipient.for_user(user) for user in staff]


# What a recipient is made of (`Recipient.for_user`), not every column of every staff user; written
# out, since every reservation asks it and the ORM would build the join anew each time.
_STAFF = """
    SELECT u.id, u.username, u.first_name, u.last_name, u.email, u.phone, u.preferred_language
    FROM {user} u
    WHERE u.role = %s AND u.is_active AND EXISTS (
        SELECT 1 FROM {membership} m JOIN {group} g ON g.id = m.group_id
        WHERE m.user_id = u.id AND g.name = ANY(%s)
    )
    ORDER BY u.id
"""


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
