"""Counting attempts in the cache: at most `limit` in a sliding-ish window of `seconds`.

A fixed window per key (the first hit starts it) is enough to stop a mail bomb or a password
spray; it needs no table and is shared by every web process through the configured cache.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def count(scope: str, value: str) -> int:
    return int(cache.get(_key(scope, value), 0))


def hit(scope: str, value: str, *, seconds: int) -> int:
    """Record one attempt; returns how many there have been in the window, this one included."""
    key = _key(scope, value)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def over(scope: str, value: str, *, limit: int) -> bool:
    return count(scope, value) >= limit
