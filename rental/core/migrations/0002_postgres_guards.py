"""PostgreSQL pieces the ORM does not express: btree_gist for exclusion constraints on ranges,
and one trigger function that makes a table insert-only (the audit trail, the deposit ledger).
TRUNCATE stays possible for the table owner: test teardown and disaster recovery need it."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION core_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are insert-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

AUDIT_INSERT_ONLY = """
CREATE TRIGGER core_auditevent_insert_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunSQL(REFUSE_CHANGE, "DROP FUNCTION IF EXISTS core_refuse_change() CASCADE;"),
        migrations.RunSQL(
            AUDIT_INSERT_ONLY,
            "DROP TRIGGER IF EXISTS core_auditevent_insert_only ON core_auditevent;",
        ),
    ]
