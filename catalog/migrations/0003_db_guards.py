"""Choices and money checked by the database; a calendar entry's blocked range is a real, finite
range that covers the entry's own period (rental.core.dbguards)."""

from django.db import migrations

from rental.core import dbguards

BLOCKED_COVERS = """
ALTER TABLE catalog_calendarentry ADD CONSTRAINT catalog_calendar_blocked_covers_period CHECK (
    NOT isempty(blocked)
    AND NOT lower_inf(blocked) AND NOT upper_inf(blocked)
    AND blocked @> tstzrange(starts_at, ends_at, '[)')
);
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_calendar_blocked_index"), ("core", "0005_db_guards")]

    operations = [
        dbguards.ChoiceChecks("catalog"),
        dbguards.DecimalBounds("catalog"),
        migrations.RunSQL(
            BLOCKED_COVERS,
            "ALTER TABLE catalog_calendarentry "
            "DROP CONSTRAINT IF EXISTS catalog_calendar_blocked_covers_period;",
        ),
    ]
