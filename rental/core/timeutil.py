"""Business time is wall-clock time in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from .errors import ApplicationError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def require_aware(value: datetime, *, error: type[ApplicationError] = ApplicationError) -> datetime:
    """`value`, refused (as `error`) without a time zone; TypeError if not a datetime."""
    if not isinstance(value, datetime):
        raise TypeError("Expected a datetime.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise error(gettext("A time must include a time zone."), code="naive_datetime")
    return value


def local(value: datetime) -> datetime:
    """The same instant on the Shanghai wall clock."""
    return require_aware(value).astimezone(SHANGHAI)
