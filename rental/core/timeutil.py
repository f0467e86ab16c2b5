"""Business time is wall-clock time in Asia/Shanghai."""

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def require_aware(value: datetime, name: str = "time") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def local(value: datetime) -> datetime:
    """The same instant on the Shanghai wall clock."""
    return require_aware(value).astimezone(SHANGHAI)
