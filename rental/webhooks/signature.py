"""The signature on each webhook: HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret.

Header: `X-Rental-Signature: t=1764577200,v1=<hex>`. A receiver recomputes it over the raw body,
compares in constant time and refuses timestamps older than a few minutes (replayed requests).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Rental-Signature"
DEFAULT_TOLERANCE = 300


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    *, secret: str, body: bytes, header: str, tolerance: int = DEFAULT_TOLERANCE, now=None
) -> bool:
    """True if `header` signs `body` with `secret` within `tolerance` seconds of now."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
