"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError, NotAllowed

from . import scopes as scope_rules
from .models import ApiToken

TOKEN_PREFIX = "xss_"  # noqa: S105  (a marker, not a secret)
PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(ApplicationError):
    pass


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def default_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "API_TOKEN_LIFETIME_DAYS", 90))


def max_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "API_TOKEN_MAX_LIFETIME_DAYS", 366))


def token_issue(
    *,
    user,
    device: str,
    scopes: list[str] | None = None,
    lifetime: timedelta | None = None,
    by=None,
) -> tuple[ApiToken, str]:
    """A new token for `user` on `device`; returns the row and the token, shown only this once.

    `scopes` default to everything the user's role allows and may only narrow it. A live token of
    the same device is revoked in the same transaction, so a device holds one token at a time.
    Only the user themself or a manager may issue.
    """
    by = by or user
    if by.pk != user.pk and not (by.is_superuser or by.in_staff_group(by.StaffGroup.MANAGER)):
        raise NotAllowed(_("Only a manager may issue a token for someone else."))
    if not user.is_active:
        raise TokenError(_("This account is disabled."), code="inactive")
    device = (device or "").strip()
    if not device:
        raise TokenError(
            _("Name the device or integration."), code="device", extra={"field": "device"}
        )
    allowed = scope_rules.for_role(user.role)
    scopes = list(allowed) if scopes is None else list(dict.fromkeys(scopes))
    beyond = [scope for scope in scopes if scope not in allowed]
    if beyond:
        raise TokenError(
            _("A %(role)s may not hold these scopes: %(scopes)s.")
            % {"role": user.get_role_display(), "scopes": ", ".join(beyond)},
            code="scopes",
            extra={"field": "scopes"},
        )
    if not scopes:
        raise TokenError(_("Choose at least one scope."), code="scopes", extra={"field": "scopes"})
    lifetime = lifetime or default_lifetime()
    if lifetime <= timedelta(0) or lifetime > max_lifetime():
        raise TokenError(
            _("A token lives between one day and %(days)s days.") % {"days": max_lifetime().days},
            code="lifetime",
            extra={"field": "expires_in_days"},
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(user=user, device=device, revoked_at__isnull=True).update(
            revoked_at=now
        )
        token = ApiToken.objects.create(
            user=user,
            device=device[:100],
            prefix=plain[:PREFIX_LENGTH],
            digest=_digest(plain),
            scopes=scopes,
            expires_at=now + lifetime,
            created_by=by,
        )
        audit.record(by, "api.token.issued", token, device=token.device, scopes=scopes)
    return token, plain


def token_authenticate(plain: str) -> ApiToken | None:
    """The live token for this bearer string, or None (unknown, expired, revoked, user disabled)."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    digest = _digest(plain)
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=plain[:PREFIX_LENGTH], revoked_at__isnull=True)
        .filter(digest=digest)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    now = timezone.now()
    if not token.is_live(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token at once; its holder's next request is refused. Revoking twice is a no-op."""
    if by.pk != token.user_id and not (by.is_superuser or by.in_staff_group(by.StaffGroup.MANAGER)):
        raise NotAllowed(_("Only a manager may revoke someone else's token."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(by, "api.token.revoked", token)
    return token
