"""Grant the app role (DATABASE_URL's login) its privileges, as the owner (DATABASE_OWNER_URL).

`migrate` runs this after every migration; run it alone after restoring a backup or adding the
role to an existing database. `--sql` prints the script instead of running it.
"""

from django.core.management.base import BaseCommand
from django.db import connections

from rental.core import dbroles


class Command(BaseCommand):
    help = "Grant the app role its privileges on every table (run as the owner)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument("--sql", action="store_true", help="Print the statements that ran.")

    def handle(self, *args, database, sql, **options):
        connection = connections[database]
        with connection.as_owner():
            statements = dbroles.grant_app_role(connection)
        if not statements:
            self.stdout.write("One login does everything (no DATABASE_OWNER_URL): no grants.")
        elif sql:
            self.stdout.write(";\n".join(statements) + ";")
        else:
            self.stdout.write(f"Granted {connection.app_user!r}: {len(statements)} statements.")
