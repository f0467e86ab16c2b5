"""A controllable clock for building the demo's history through the real services.

The services read the time from `django.utils.timezone.now()` (and `auto_now_add` fields do
too), so moving that one function moves every "now" — the reservation's hold expiry, the
inspection slot check, the signing time, the ticket's call time and deadline, each audit row.
Used only by `load_demo` in its own process, and by its tests to build the company as of one
fixed moment; never by the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

from rental.core.timeutil import require_aware


@contextmanager
def clock_at(moment: datetime) -> Iterator[datetime]:
    """Run the block as if it were `moment` (which stays fixed while the block runs)."""
    require_aware(moment)
    original = timezone.now
    timezone.now = lambda: moment
    try:
        yield moment
    finally:
        timezone.now = original
