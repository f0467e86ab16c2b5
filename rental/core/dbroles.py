"""The app role's privileges: what the code may do to the tables, granted by their owner.

The app role owns nothing. It may read and write the tables the code changes, only read and insert
the insert-only ones (any table with the `core_refuse_change` trigger: the audit trail, charges,
payments, the deposit ledger, the terms versions), only read `django_migrations`, and use the
sequences. It cannot TRUNCATE, ALTER, disable triggers or create tables. `migrate` re-grants after
every run (new tables are covered at once); `manage.py grant_app_role` does it on its own.
"""

from __future__ import annotations

import contextlib

from psycopg import errors, sql

INSERT_ONLY_TABLES_SQL = """
SELECT DISTINCT c.relname
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE n.nspname = 'public' AND p.proname = 'core_refuse_change' AND NOT t.tgisinternal
ORDER BY c.relname
"""

READ_ONLY_TABLES = ("django_migrations",)


def grant_statements(*, app_role: str, insert_only: list[str]) -> list[sql.Composed]:
    """The GRANT script for `app_role`, as the owner runs it (README shows it in SQL)."""
    role = sql.Identifier(app_role)
    statements = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(role),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(role),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
    ]
    for table in insert_only:
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), role)
        )
    for table in READ_ONLY_TABLES:
        statements.append(
            sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                sql.Identifier(table), role
            )
        )
    return statements


def grant_app_role(connection) -> list[str]:
    """Run the GRANT script on `connection` (which must be the owner's); the statements run."""
    app_role = connection.app_user
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == app_role:
            return []  # one login does everything: nothing to grant (README: use two)
        cursor.execute(INSERT_ONLY_TABLES_SQL)
        insert_only = [row[0] for row in cursor.fetchall()]
        statements = grant_statements(app_role=app_role, insert_only=insert_only)
        raw = cursor.cursor  # psycopg's own cursor renders sql.Composed
        done = []
        for statement in statements:
            raw.execute(statement)
            done.append(statement.as_string(raw))
    return done


def ensure_app_role(connection) -> None:
    """Create the app login if the settings ask for it (the test suite's derived app role)."""
    if not connection.settings_dict.get("CREATE_APP_ROLE"):
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [connection.app_user])
        if cursor.fetchone():
            return
        # Another checkout may create it at the same moment.
        with contextlib.suppress(errors.DuplicateObject):
            cursor.cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(connection.app_user))
            )
