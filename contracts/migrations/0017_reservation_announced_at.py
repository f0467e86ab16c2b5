from django.db import migrations, models


class Migration(migrations.Migration):
    """Reservations are announced by the worker now (services.reservation_announce). Those made
    before were announced in their own transaction: marked so, or the sweep would tell their
    customers again."""

    dependencies = [("contracts", "0016_payment_refunds")]

    operations = [
        migrations.AddField(
            model_name="reservation",
            name="announced_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="announced at"),
        ),
        migrations.RunSQL(
            "UPDATE contracts_reservation SET announced_at = created_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(
                condition=models.Q(("announced_at__isnull", True)),
                fields=["created_at"],
                name="contracts_res_unannounced",
            ),
        ),
    ]
