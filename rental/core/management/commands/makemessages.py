"""Django's makemessages, also extracting `_l(...)` (the lazy labels of the report tables,
service_tickets/reports.py, are marked so, and xgettext knows only the usual names) and the
`_("…")` of the Jinja2 parts of pages (templates/**.jinja, rental.core.forms.FastRenderer)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]

    def handle(self, *args, **options):
        if options.get("domain", "django") == "django" and not options.get("extensions"):
            options["extensions"] = ["html", "txt", "py", "jinja"]
        return super().handle(*args, **options)
