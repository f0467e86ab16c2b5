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


@register.filter
def audit_sentence(event) -> str:
    """An audit event as a sentence in the reader's language (see rental.core.audit_labels)."""
    from rental.core.audit_labels import event_sentence

    return event_sentence(event)


@register.filter
def person(user) -> str:
    """A user's name, never a login name when a real name is known; "System" for nobody."""
    from rental.core.audit_labels import actor_name

    return actor_name(user)
