"""The client's address, trusting exactly as many proxies as the deployment says it has.

With TRUSTED_PROXY_COUNT = 0 (the default) the socket address is the client: an X-Forwarded-For
header is the client's own claim and is ignored. Behind N proxies of ours, each appends the
address it saw, so the client is the N-th entry from the right; anything left of it was written
by the client and is not believed. Used by the login lock-out (axes) and our rate limits alike.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return forwarded[0] if forwarded else remote
    return forwarded[-count][:45]
