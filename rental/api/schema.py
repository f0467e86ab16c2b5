"""The OpenAPI document: our token scheme, and the error responses every operation may give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: a code for programs, a sentence for people, messages per field.",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "message", "fields"],
}

ERRORS = {
    "400": "The input is not valid, or the request breaks a rule.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Not allowed for this role or this token's scopes.",
    "404": "Not found, or not yours.",
    "405": "This method is not offered here.",
    "406": "Only JSON is answered.",
    "409": "The current state does not allow it (a unit taken, a status already moved on).",
    "415": "Send JSON (or multipart for uploads).",
    "429": "Too many requests; retry after the seconds in Retry-After.",
}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "rental.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token issued at /api/v1/auth/login/ or by a manager in the console.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "rental.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Our own pages' session; writes also need the X-CSRFToken header.",
        }


def add_error_responses(result, generator, request, public):
    """Document the JSON error body for every status an operation may answer with."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
