"""The house policy: exactly one row, created with the defaults on first use."""

from .models import Policy


def current() -> Policy:
    policy, _ = Policy.objects.get_or_create(pk=1)
    return policy
