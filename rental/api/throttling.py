"""Request limits per token (or session user) and per address, counted in the default cache.

That cache is Redis when one is configured, so every web process shares the counts; otherwise
local memory, which limits per process. Rates are read from settings at each request, so the
console's operators (and tests) can change them without a restart of the class.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

DEFAULT_RATES = {"token": "600/min", "address": "300/min"}


class _Throttle(SimpleRateThrottle):
    def __init__(self):
        self.cache = caches["default"]
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        rates = {**DEFAULT_RATES, **getattr(settings, "API_THROTTLE_RATES", {})}
        return rates.get(self.scope)


class TokenRateThrottle(_Throttle):
    """Per token; a session counts per user. Anonymous requests are left to the address limit."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            return None
        return f"throttle:{self.scope}:{ident}"


class AddressRateThrottle(_Throttle):
    """Per client address, whoever is calling: one address cannot flood us with many tokens."""

    scope = "address"

    def get_cache_key(self, request, view):
        return f"throttle:{self.scope}:{self.get_ident(request)}"
