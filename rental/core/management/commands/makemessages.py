"""Django's makemessages, also extracting `_l(...)`: the lazy labels of the report tables
(service_tickets/reports.py) are marked so, and xgettext knows only the usual names."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
