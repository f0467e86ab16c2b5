"""Choices columns checked by the database (rental.core.dbguards)."""

from django.db import migrations

from rental.core import dbguards


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_staff_groups"), ("core", "0005_db_guards")]

    operations = [dbguards.ChoiceChecks("accounts")]
