"""The one place a `next` parameter turns into a redirect: only to our own site."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str = "") -> str:
    """`next` from the form (or the query) if it points at this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A bare word would be taken for a URL name by redirect(): only paths and full URLs count.
    if target.startswith(("/", "http://", "https://")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def redirect_next(request: HttpRequest, default: str, *args, **kwargs) -> HttpResponseRedirect:
    """Redirect to a safe `next`, else to `default` (a URL name or path, reversed with args)."""
    target = safe_next(request)
    return redirect(target) if target else redirect(resolve_url(default, *args, **kwargs))
