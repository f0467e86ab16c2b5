"""`manage.py restore FILE`: restore a backup into the configured database, which must be empty.

Point DATABASE_URL (the app role) and DATABASE_OWNER_URL (the owner) at a new, empty database
first (`createdb -O <owner> rental_restored`); README, "Backups", has the whole procedure.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rental.core import backups


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, file, database, **options):
        try:
            backups.backup_restore(file=file, alias=database)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {file}.")
