"""Links to Today and the reports the reader may open, for the console's index and the menus."""

from django import template

from rental.accounts.roles import reports_for, staff_groups

from ..registry import REPORTS

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_reports(context) -> list:
    request = context.get("request")
    if request is None:
        return []
    return [REPORTS[k] for k in reports_for(staff_groups(request.user))]
