"""What a token may do: scopes per resource, and the scopes each role may hold.

A token carries a subset of its user's role's scopes; a session (our own pages' scripts) carries
all of them. Scopes only narrow: which objects a user sees is still decided by their role and
ownership in each viewset's queryset.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, object] = {
    "reservations:read": _("Read reservations"),
    "reservations:write": _("Create and change reservations"),
    "contracts:read": _("Read contracts, statements and deposits"),
    "contracts:write": _("Run contract actions and record payments"),
    "tickets:read": _("Read service tickets"),
    "tickets:write": _("Open and move service tickets"),
    "documents:read": _("Read identity documents"),
    "documents:write": _("Upload and review identity documents"),
}

ALL = tuple(SCOPES)

ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    # A customer reads their contracts; only the desk runs contract actions.
    "customer": tuple(scope for scope in ALL if scope != "contracts:write"),
    "staff": ALL,
    "technician": ("tickets:read", "tickets:write"),
}


def for_role(role: str) -> tuple[str, ...]:
    return ROLE_SCOPES.get(role, ())


def choices() -> list[tuple[str, object]]:
    return list(SCOPES.items())
