"""Path converters for our URLs: a malformed value never reaches a view (it is simply a 404)."""

from django.urls import register_converter


class DocumentNumberConverter:
    """Reservation, contract and ticket numbers (R2611220001, C-T00001): letters, digits and
    hyphens, at most the 20 characters their columns hold."""

    regex = "[A-Za-z0-9-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register() -> None:
    register_converter(DocumentNumberConverter, "no")
