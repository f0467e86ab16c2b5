from django import template

from rental.core.phones import display_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return display_phone(value) if value else ""


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
