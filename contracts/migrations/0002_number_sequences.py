from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS contracts_reservation_number_seq;"
            "CREATE SEQUENCE IF NOT EXISTS contracts_contract_number_seq;",
            "DROP SEQUENCE IF EXISTS contracts_reservation_number_seq;"
            "DROP SEQUENCE IF EXISTS contracts_contract_number_seq;",
        ),
    ]
