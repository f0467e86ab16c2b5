"""{% period_words start end %}: a rental period's length in words (service_tickets.periods)."""

from django import template

from service_tickets.periods import period_words as _period_words

register = template.Library()


@register.simple_tag
def period_words(start, end) -> str:
    if not start or not end:
        return ""
    return _period_words(start=start, end=end)
