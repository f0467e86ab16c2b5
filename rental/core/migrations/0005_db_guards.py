"""The database defends itself (issue 10): TRUNCATE refused on insert-only tables, choices and
decimal columns checked, and how many nightly backups the house keeps."""

import django.core.validators
from django.db import migrations, models

from rental.core import dbguards


class Migration(migrations.Migration):
    dependencies = [("core", "0004_policy_no_show_grace")]

    operations = [
        migrations.RunSQL(
            dbguards.REFUSE_TRUNCATE_FUNCTION,
            "DROP FUNCTION IF EXISTS core_refuse_truncate() CASCADE;",
        ),
        dbguards.refuse_truncate("core_auditevent"),
        migrations.AddField(
            model_name="policy",
            name="backups_kept",
            field=models.PositiveSmallIntegerField(
                default=14,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="nightly database backups kept",
            ),
        ),
        migrations.AddConstraint(
            model_name="policy",
            constraint=models.CheckConstraint(
                condition=models.Q(("backups_kept__gte", 1)), name="core_policy_keeps_a_backup"
            ),
        ),
        dbguards.ChoiceChecks("core"),
        dbguards.DecimalBounds("core"),
    ]
