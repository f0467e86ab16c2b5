from django import template

from rental.core.phones import display_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return display_phone(value) if value else ""


@register.filter
def may_open(user, url_name: str) -> bool:
    """`{% if user|may_open:"contracts:document_queue" %}`: offer a link only to those the
    permission matrix lets in (the server checks again)."""
    from rental.core.access import staff_may

    return staff_may(user, url_name, "GET")


@register.filter
def may_act(user, url_name: str) -> bool:
    """Like may_open, for a form that posts to `url_name`."""
    from rental.core.access import staff_may

    return staff_may(user, url_name, "POST")
