"""Content stored in both languages (catalogue names, descriptions) is read through here."""

from django.utils.translation import get_language


def pick(zh: str, en: str) -> str:
    """The English text when English is active and present, else the Chinese."""
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en") and en:
        return en
    return zh or en
