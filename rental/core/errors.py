"""Errors that carry a message meant for the user, in the user's language.

Services raise an ApplicationError (or an app's subclass) when a request cannot be honoured; views
show its message and the API returns it with `status_code`. Nothing else reaches the user.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: Any, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(ApplicationError):
    """The user may not do this (named so that it never shadows Django's PermissionDenied)."""

    status_code = 403


class NotFound(ApplicationError):
    status_code = 404


class Conflict(ApplicationError):
    """The request clashes with the current state: a unit taken, a status already moved on."""

    status_code = 409


class WrongState(Conflict):
    """The object's status does not allow this step now: every app raises this one class."""
