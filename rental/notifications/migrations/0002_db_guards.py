"""Choices columns checked by the database (rental.core.dbguards)."""

from django.db import migrations

from rental.core import dbguards


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("core", "0005_db_guards")]

    operations = [dbguards.ChoiceChecks("notifications")]
