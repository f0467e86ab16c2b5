"""Every API error is JSON `{"code", "message", "fields"}` in the requester's language.

`message` is one sentence for a person; `fields` maps input names to their messages (empty when
the error is not about one field). Services' ApplicationErrors keep their status (400, 403, 404,
409); anything unexpected is logged and answered without a traceback.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response

from rental.core.errors import ApplicationError

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as flat `{"items.0.quantity": [...]}`."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_fields(value, name))
        return out
    if isinstance(detail, list) and detail and all(isinstance(v, dict | list) for v in detail):
        out = {}
        for index, value in enumerate(detail):
            out.update(_fields(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or NON_FIELD: _flatten(detail)}


def body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, ApplicationError):
        fields = {}
        field = exc.extra.get("field") if isinstance(exc.extra, dict) else None
        if field:
            fields = {field: [str(exc.message)]}
        return Response(body(exc.code, exc.message, fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        non_field = fields.pop(NON_FIELD, [])
        message = non_field[0] if non_field else _("Some fields need correcting.")
        if non_field and not fields:
            fields = {}
        elif non_field:
            fields[NON_FIELD] = non_field
        return Response(body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.Throttled):
        # One sentence of ours: DRF's is half translated ("请求已被限流。 Expected available in…").
        wait = max(1, int(exc.wait or 1))
        message = ngettext(
            "Too many requests: try again in %(seconds)d second.",
            "Too many requests: try again in %(seconds)d seconds.",
            wait,
        ) % {"seconds": wait}
        return Response(
            body("throttled", message), status=exc.status_code, headers={"Retry-After": str(wait)}
        )
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        message = _flatten(exc.detail)[0] if exc.detail else str(exc.default_detail)
        return Response(body(code, message), status=exc.status_code, headers=headers)
    logger.exception("Unexpected error in %s", context.get("view"))
    return Response(
        body("server_error", _("Something went wrong on our side; please try again later.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
