"""Compile locale/*/LC_MESSAGES/django.po to .mo without GNU gettext (uses polib, a dev tool)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo in pure Python."

    def handle(self, *args, **options):
        import polib

        for locale_dir in settings.LOCALE_PATHS:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/django.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"compiled {po_path.with_suffix('.mo')}")
