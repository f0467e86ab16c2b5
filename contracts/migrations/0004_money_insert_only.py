from django.db import migrations

TABLES = ("contracts_charge", "contracts_payment", "contracts_depositentry")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_money"), ("core", "0002_postgres_guards")]

    operations = [
        migrations.RunSQL(
            "".join(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION core_refuse_change();"
                for table in TABLES
            ),
            "".join(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table};" for table in TABLES),
        ),
    ]
