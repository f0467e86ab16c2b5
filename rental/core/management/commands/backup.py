"""`manage.py backup`: a pg_dump custom-format file in BACKUP_DIR, keeping the newest N (policy)."""

from django.core.management.base import BaseCommand, CommandError

from rental.core import backups


class Command(BaseCommand):
    help = "Write a database backup (pg_dump custom format) and prune the old ones."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Where to write it (default: BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="How many to keep (default: the policy's).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, dir, keep, database, **options):
        from pathlib import Path

        try:
            path = backups.backup_create(
                directory=Path(dir) if dir else None, keep=keep, alias=database
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
