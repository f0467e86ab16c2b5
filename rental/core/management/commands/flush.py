"""`flush` as the owner, who alone may TRUNCATE the insert-only tables, and only on purpose.

The test suite's transactional tests end with a flush; the BEFORE TRUNCATE triggers refuse every
other TRUNCATE of those tables (see rental.core.dbguards).
"""

from django.core.management.commands import flush
from django.db import connections

from rental.core import dbguards


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not hasattr(connection, "as_owner"):
            return super().handle(**options)
        with connection.as_owner():
            with connection.cursor() as cursor:
                cursor.execute(f"SET {dbguards.ALLOW_TRUNCATE} = 'on'")
            try:
                return super().handle(**options)
            finally:
                # With one login there is no fresh connection afterwards: switch it off again.
                with connection.cursor() as cursor:
                    cursor.execute(f"RESET {dbguards.ALLOW_TRUNCATE}")
