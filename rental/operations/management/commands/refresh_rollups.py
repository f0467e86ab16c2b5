"""Fill the report rollups for the last N months, e.g. after a deploy or an import of history
(beat keeps only the current month and the last three fresh)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from rental.core.timeutil import local
from rental.operations.rollups import months_back, rollups_refresh


class Command(BaseCommand):
    help = "Recompute every report rollup for the last N months (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24, help="how many months back")

    def handle(self, *args, months: int, **options):
        chosen = months_back(local(timezone.now()).date(), months)
        took = rollups_refresh(months=chosen)
        for name, seconds in took.items():
            self.stdout.write(f"{name}: {seconds:.2f} s")
        self.stdout.write(f"{chosen[0]:%Y-%m} – {chosen[-1]:%Y-%m}: {sum(took.values()):.2f} s")
