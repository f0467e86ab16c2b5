"""The customer's drawn signature: a PNG, checked once when it arrives, limited in one place."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from rental.core.errors import ApplicationError

#: A signature pad's PNG is a few tens of KB; anything far larger is not a signature.
MAX_SIGNATURE_BYTES = 300_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def signature_png(data_url: str, *, error: type[ApplicationError] = ApplicationError) -> str:
    """The drawn signature as base64 PNG, or "" when none was drawn; anything that is not a PNG
    within the size limit is refused with `error`."""
    if not data_url:
        return ""
    payload = data_url.split(",", 1)[1] if data_url.startswith("data:") else data_url
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise error(_("The signature could not be read; please sign again.")) from exc
    if not raw.startswith(PNG_MAGIC) or len(raw) > MAX_SIGNATURE_BYTES:
        raise error(_("The signature could not be read; please sign again."))
    return base64.b64encode(raw).decode()
