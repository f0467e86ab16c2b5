"""A database of a benchmark's own on the configured server, so no benchmark touches real data.
Used in-process by bench/availability.py and bench/sla_sweep.py after django.setup()."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql


def _admin_conninfo() -> dict:
    db = settings.DATABASES["default"]
    login = {**db, **(db.get("OWNER") or {})}  # the owner creates databases, not the app role
    info = {
        "dbname": "postgres",
        "user": login.get("USER") or None,
        "password": login.get("PASSWORD") or None,
        "host": login.get("HOST") or db.get("OPTIONS", {}).get("host") or None,
        "port": login.get("PORT") or None,
    }
    return {k: v for k, v in info.items() if v}


def _drop(conn, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate_database(name: str) -> None:
    from rental.core import dbroles

    with psycopg.connect(**_admin_conninfo(), autocommit=True) as conn:
        _drop(conn, name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with connection.as_owner():
        dbroles.ensure_app_role(connection)  # the test settings' own app role, if they use one


def drop_database(name: str) -> None:
    connection.close()
    with psycopg.connect(**_admin_conninfo(), autocommit=True) as conn:
        _drop(conn, name)


def use_database(name: str) -> None:
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
