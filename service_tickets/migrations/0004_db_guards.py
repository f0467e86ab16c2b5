"""Terms versions refuse TRUNCATE; choices and fees checked by the database — a fee, a fee range
or a surcharge is never negative, even when the range is empty (rental.core.dbguards)."""

from django.db import migrations

from rental.core import dbguards


class Migration(migrations.Migration):
    dependencies = [("service_tickets", "0003_sla_outbox"), ("core", "0005_db_guards")]

    operations = [
        dbguards.refuse_truncate("service_tickets_termsversion"),
        dbguards.ChoiceChecks("service_tickets"),
        dbguards.DecimalBounds("service_tickets"),
    ]
