"""Model instances from written-out SQL, without `Model.objects.raw()`'s work on every query.

The hottest reads are written out because the ORM would build the same SQL anew on every request:
the signed-in user (every page), the customer and the house policy (every quote and reservation),
the chosen models. `raw()` then still matches the columns to the fields by name, query by query,
which cost about as much Python as the query itself. Here the statement is completed once (the
model's columns in its field order, the tables' quoted names), and a row becomes an instance by
position (`Model.from_db`), with the fields' own converters (JSON…) applied as the ORM would.
"""

from __future__ import annotations

from functools import cache

from django.db import connection, models


def read(
    model: type[models.Model], sql: str, params, /, *, alias: str, **tables: type[models.Model]
) -> list[tuple[models.Model, tuple]]:
    """Run `sql`, whose select list begins with `{columns}` (every column of `model`, under
    `alias`) and whose other `{placeholders}` are the tables of the models given by name: each
    row as the model instance and the row's further columns."""
    width = len(model._meta.concrete_fields)
    converters = _converters(model)
    with connection.cursor() as cursor:
        cursor.execute(_statement(model, sql, alias, tuple(tables.items())), params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row[:width])
        for n, convert in converters:
            values[n] = convert(values[n], None, connection)
        found.append((model.from_db(connection.alias, None, values), row[width:]))
    return found


@cache
def _statement(model, sql: str, alias: str, tables: tuple) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)
    return sql.format(
        columns=columns, **{name: quote(table._meta.db_table) for name, table in tables}
    )


@cache
def _converters(model: type[models.Model]) -> tuple:
    return tuple(
        (n, field.from_db_value)
        for n, field in enumerate(model._meta.concrete_fields)
        if hasattr(field, "from_db_value")
    )
