"""The house policy: exactly one row, created with the defaults on first use."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from .errors import ApplicationError
from .models import Policy

POLICY_PK = 1  # the one row


def current() -> Policy:
    policy, _created = Policy.objects.get_or_create(pk=POLICY_PK)
    return policy


class RentalTooLong(ApplicationError):
    pass


def check_rental_length(*, starts_at: datetime, ends_at: datetime, policy: Policy | None = None):
    """Refuse a rental (or an extension) longer than the policy's longest rental."""
    days = (policy or current()).max_rental_days
    if ends_at - starts_at > timedelta(days=days):
        raise RentalTooLong(
            _(
                "A rental can last at most %(days)s days (about %(years)s years); "
                "for longer, sign a new contract."
            )
            % {"days": days, "years": round(days / 365.25, 1)},
            code="too_long",
        )
