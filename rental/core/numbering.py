"""Human-readable document numbers (R2611220001, C2611220001) from PostgreSQL sequences.

A sequence never hands out one value twice, even to concurrent transactions, and a rolled-back
transaction only leaves a gap, which is acceptable for these numbers.
"""

from django.db import connection
from django.utils import timezone

from .timeutil import local


def next_number(prefix: str, sequence: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (value,) = cursor.fetchone()
    return f"{prefix}{local(timezone.now()):%y%m%d}{value:04d}"
