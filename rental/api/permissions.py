"""Who may call an endpoint: its role rule and, for tokens, the scope it needs.

Which objects a caller sees is decided by each viewset's queryset (own reservations, assigned
tickets…); these classes only decide whether the endpoint is open to the caller at all.
"""

from __future__ import annotations

from rest_framework import permissions

from . import scopes as scope_rules
from .models import ApiToken


def token_scopes(request) -> tuple[str, ...]:
    """The scopes of this request: the token's, or all of the role's for a session."""
    user = request.user
    if not user or not user.is_authenticated:
        return ()
    if isinstance(request.auth, ApiToken):
        return tuple(request.auth.scopes)
    return scope_rules.for_role(user.role)


class ScopedRole(permissions.BasePermission):
    """The view names `roles` (who may call it) and `scope` ("tickets"); reads need
    `<scope>:read`, other methods `<scope>:write`. A view action may name its own `action_roles`
    and `action_scopes` to narrow further."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None)) or getattr(
            view, "roles", ()
        )
        if user.role not in roles:
            return False
        scope = getattr(view, "scope", None)
        if scope is None:
            return True
        suffix = "read" if request.method in permissions.SAFE_METHODS else "write"
        needed = getattr(view, "action_scopes", {}).get(
            getattr(view, "action", None), f"{scope}:{suffix}"
        )
        return needed in token_scopes(request)
