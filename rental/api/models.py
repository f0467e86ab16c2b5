"""API tokens for integrations and phones: stored hashed, expiring, revocable, one per device."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored: the token is shown once, at issue.

    The token is 32 random bytes, so a fast hash is enough (nothing to guess by brute force); the
    first characters are kept in clear as `prefix` so a user can tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    device = models.CharField(_("device or integration"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=40), verbose_name=_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live token per device: issuing again for the device revokes the old one.
            models.UniqueConstraint(
                fields=["user", "device"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_one_live_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.device})"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
