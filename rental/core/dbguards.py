"""Guards that PostgreSQL keeps whoever connects: the pieces migrations build from the models.

- every insert-only table refuses TRUNCATE (a statement-level trigger; the row-level one refuses
  UPDATE and DELETE), except a deliberate one by the owner with `rental.allow_truncate = on` (the
  test suite's flush);
- every column with choices carries `CHECK (column IN (...))`, built from the choices the
  migration state has at that point, so the constraint and the TextChoices agree
  (tests/core/test_db_guards.py compares the live models with the database);
- every decimal column is bounded: 0 ≤ value ≤ MONEY_MAX (a signed column: −MONEY_MAX ≤ value).
When a migration changes a field's choices, add `ChoiceChecks(app_label)` to it again: it drops and
re-creates that app's choice constraints.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import migrations

MONEY_MAX = Decimal("99999999.99")
ALLOW_TRUNCATE = "rental.allow_truncate"

REFUSE_TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION core_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('rental.allow_truncate', true), '') = 'on'
       AND pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'rows of % are insert-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def refuse_truncate(*tables: str) -> migrations.RunSQL:
    """BEFORE TRUNCATE triggers on `tables` (the function comes from core's migration 0005)."""
    return migrations.RunSQL(
        [
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION core_refuse_truncate();"
            for table in tables
        ],
        [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in tables],
    )


def _constraint_name(table: str, column: str, suffix: str) -> str:
    name = f"{table}_{column}_{suffix}"
    if len(name) <= 63:
        return name
    return f"{name[:54]}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _models(apps, app_label: str):
    for model in apps.get_app_config(app_label).get_models():
        if model._meta.managed and not model._meta.proxy:
            yield model


def choice_constraints(apps, app_label: str) -> list[tuple[str, str, str, list[str]]]:
    """(table, column, constraint name, allowed values) for every choices column of the app."""
    found = []
    for model in _models(apps, app_label):
        for field in model._meta.local_concrete_fields:
            if not field.choices:
                continue
            values = [str(value) for value, _label in field.flatchoices]
            if field.blank and "" not in values:
                values.append("")
            table, column = model._meta.db_table, field.column
            found.append((table, column, _constraint_name(table, column, "known"), values))
    return found


def decimal_bounds(apps, app_label: str, signed: set[tuple[str, str]]):
    """(table, column, constraint name, low, high) for every decimal column of the app."""
    found = []
    for model in _models(apps, app_label):
        for field in model._meta.local_concrete_fields:
            if field.get_internal_type() != "DecimalField":
                continue
            table, column = model._meta.db_table, field.column
            low = -MONEY_MAX if (model._meta.model_name, field.name) in signed else Decimal(0)
            found.append((table, column, _constraint_name(table, column, "bounds"), low, MONEY_MAX))
    return found


class ChoiceChecks(migrations.RunPython):
    """(Re)create `CHECK (column IN (...))` for every choices column of `app_label`."""

    def __init__(self, app_label: str):
        self.app_label = app_label
        super().__init__(self._forward, self._backward)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.app_label], {})

    def _forward(self, apps, schema_editor):
        quote = schema_editor.quote_name
        for table, column, name, values in choice_constraints(apps, self.app_label):
            listed = ", ".join(schema_editor.quote_value(value) for value in values)
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}"
            )
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                f"CHECK ({quote(column)} IN ({listed}))"
            )

    def _backward(self, apps, schema_editor):
        quote = schema_editor.quote_name
        for table, _column, name, _values in choice_constraints(apps, self.app_label):
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}"
            )


class DecimalBounds(migrations.RunPython):
    """(Re)create `CHECK (column BETWEEN low AND MONEY_MAX)` for every decimal column of the app;
    `signed` names the (model, field) pairs that may be negative down to −MONEY_MAX."""

    def __init__(self, app_label: str, signed: tuple[tuple[str, str], ...] = ()):
        self.app_label = app_label
        self.signed = tuple(tuple(pair) for pair in signed)
        super().__init__(self._forward, self._backward)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.app_label], {"signed": self.signed})

    def _bounds(self, apps):
        return decimal_bounds(apps, self.app_label, set(self.signed))

    def _forward(self, apps, schema_editor):
        quote = schema_editor.quote_name
        for table, column, name, low, high in self._bounds(apps):
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}"
            )
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                f"CHECK ({quote(column)} BETWEEN {low} AND {high})"
            )

    def _backward(self, apps, schema_editor):
        quote = schema_editor.quote_name
        for table, _column, name, _low, _high in self._bounds(apps):
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}"
            )
