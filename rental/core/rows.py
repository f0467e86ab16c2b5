"""Model instances from written-out SQL, without `Model.objects.raw()`'s work on every query.

The hottest reads are written out because the ORM would build the same SQL anew on every request:
the signed-in user (every page), the customer and the house policy (every quote and reservation),
the chosen models. `raw()` then still matches the columns to the fields by name, query by query,
which cost about as much Python as the query itself. Here the select list is the model's own
columns in its field order, built once per model and alias, so a row becomes an instance by
position (`Model.from_db`), with the fields' own converters (JSON…) applied as the ORM would.
"""

from __future__ import annotations

from functools import cache

from django.db import connection, models


@cache
def select_list(model: type[models.Model], alias: str) -> str:
    """`alias."col", …` for every column of `model`, in the order `read` expects."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@cache
def _converters(model: type[models.Model]) -> tuple:
    return tuple(
        (n, field.from_db_value)
        for n, field in enumerate(model._meta.concrete_fields)
        if hasattr(field, "from_db_value")
    )


def read(model: type[models.Model], sql: str, params) -> list[tuple[models.Model, tuple]]:
    """Run `sql`, whose select list begins with `select_list(model, …)`: each row as the model
    instance and the row's further columns."""
    width = len(model._meta.concrete_fields)
    converters = _converters(model)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row[:width])
        for n, convert in converters:
            values[n] = convert(values[n], None, connection)
        found.append((model.from_db(connection.alias, None, values), row[width:]))
    return found
