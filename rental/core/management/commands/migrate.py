"""`migrate` as the tables' owner, then the app role's grants (rental.core.dbroles)."""

from django.core.management.commands import migrate
from django.db import connections

from rental.core import dbroles


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if not hasattr(connection, "as_owner"):  # another backend: plain migrate
            return super().handle(*args, **options)
        with connection.as_owner():
            super().handle(*args, **options)
            granted = dbroles.grant_app_role(connection)
        if granted and options["verbosity"] >= 1:
            self.stdout.write(f"Granted the app role {connection.app_user!r} its privileges.")
