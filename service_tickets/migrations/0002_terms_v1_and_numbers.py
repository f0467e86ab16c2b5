"""Ticket numbers, insert-only terms versions, and version 1 of the terms: DOMAIN.md's values."""

from datetime import UTC, datetime

from django.db import migrations

# Version 1 applies to everything: it is what the published price list always said.
V1_FROM = datetime(2000, 1, 1, tzinfo=UTC)


def seed_version_1(apps, schema_editor):
    from service_tickets.terms import PUBLISHED_TERMS

    TermsVersion = apps.get_model("service_tickets", "TermsVersion")
    if not TermsVersion.objects.filter(version=1).exists():
        TermsVersion.objects.create(
            version=1,
            data=PUBLISHED_TERMS.to_dict(),
            effective_from=V1_FROM,
            note="DOMAIN.md published terms",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service_tickets", "0001_initial"),
        ("core", "0002_postgres_guards"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS service_tickets_ticket_number_seq;",
            "DROP SEQUENCE IF EXISTS service_tickets_ticket_number_seq;",
        ),
        migrations.RunSQL(
            "CREATE TRIGGER service_tickets_termsversion_insert_only "
            "BEFORE UPDATE OR DELETE ON service_tickets_termsversion "
            "FOR EACH ROW EXECUTE FUNCTION core_refuse_change();",
            "DROP TRIGGER IF EXISTS service_tickets_termsversion_insert_only "
            "ON service_tickets_termsversion;",
        ),
        migrations.RunPython(seed_version_1, migrations.RunPython.noop),
    ]
