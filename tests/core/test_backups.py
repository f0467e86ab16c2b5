"""Backups that restore (issue 10, item 8): the drill, the refusal of a non-empty database, and the
nightly task on a real worker keeping the policy's number of files."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from psycopg import sql

from contracts.models import Charge, DepositEntry, Payment
from rental.core import backups, policy
from tests.conftest import ROOT, _test_database_env, celery_worker, report_figure, wait_for
from tests.factories import ContractFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

LEDGER_SUMS = {
    "deposit": "SELECT kind, sum(amount) FROM contracts_depositentry GROUP BY kind ORDER BY kind",
    "charges": "SELECT kind, sum(amount) FROM contracts_charge GROUP BY kind ORDER BY kind",
    "payments": "SELECT method, sum(amount) FROM contracts_payment GROUP BY method ORDER BY method",
}


def _figures(cursor) -> dict:
    """Every table's row count and the ledger sums, as the app role reads them."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname"
    )
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    sums = {}
    for name, query in LEDGER_SUMS.items():
        cursor.execute(query)
        sums[name] = cursor.fetchall()
    return {"counts": counts, "sums": sums}


def _ledger():
    """One contract whose money went through every ledger."""
    staff = StaffFactory()
    contract = ContractFactory()
    for kind, amount, reason in (
        ("collected", "3600.00", ""),
        ("deducted", "600.00", "dent"),
        ("refunded", "2000.00", "end"),
    ):
        DepositEntry.objects.create(
            contract=contract, kind=kind, amount=Decimal(amount), reason=reason, key=kind
        )
    Charge.objects.create(
        contract=contract, kind="rent", amount=Decimal("1200.00"), description="x", key="c1"
    )
    Charge.objects.create(
        contract=contract, kind="adjustment", amount=Decimal("-50.00"), description="x", key="c2"
    )
    Payment.objects.create(
        contract=contract, amount=Decimal("1150.00"), method="bank", received_by=staff
    )


def _owner_connection():
    owner = connection.settings_dict["OWNER"] or connection.settings_dict
    options = connection.settings_dict.get("OPTIONS") or {}
    return psycopg.connect(
        dbname="postgres",
        user=owner["USER"],
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or options.get("host"),
        port=owner["PORT"] or options.get("port"),
        autocommit=True,
    )


def _renamed(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def test_a_backup_of_the_demo_company_restores_into_a_fresh_database_with_every_row(tmp_path):
    call_command("load_demo", quiet_progress=True)
    _ledger()
    with connection.cursor() as cursor:
        before = _figures(cursor.cursor)
    backup = backups.backup_create(directory=tmp_path, keep=3)

    fresh = connection.settings_dict["NAME"] + "_restored"
    name = sql.Identifier(fresh)
    with _owner_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        env = {k: _renamed(v, fresh) for k, v in _test_database_env().items()}
        # The operator's command, in its own process, on the fresh database.
        restored = subprocess.run(
            [sys.executable, "manage.py", "restore", str(backup)],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "rental.settings.test"},
            capture_output=True,
            text=True,
        )
        assert restored.returncode == 0, restored.stderr[-2000:]
        # Read back as the app role: the restore granted it its privileges again.
        with psycopg.connect(env["DATABASE_URL"]) as app:
            after = _figures(app.cursor())
    finally:
        with _owner_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))

    rows = sum(before["counts"].values())
    report_figure(
        f"restore drill: {len(before['counts'])} tables, {rows} rows, "
        f"{backup.stat().st_size // 1024} KiB backup; restored equal: {after == before}"
    )
    assert before["counts"]["catalog_asset"] > 0
    # The demo's six months of history are in the ledger too, besides this test's contract.
    sums = dict(before["sums"]["deposit"])
    assert sums["collected"] >= Decimal("3600.00")
    assert sums["deducted"] >= Decimal("600.00")
    assert sums["refunded"] >= Decimal("2000.00")
    assert after == before


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    _ledger()
    backup = backups.backup_create(directory=tmp_path, keep=1)
    with connection.cursor() as cursor:
        before = _figures(cursor.cursor)

    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("restore", str(backup))

    tables = len(before["counts"])
    assert str(refused.value) == (
        f"The database {connection.settings_dict['NAME']} is not empty ({tables} tables). "
        "A backup is restored only into an empty database: create one (createdb) and point "
        "DATABASE_URL and DATABASE_OWNER_URL at it."
    )
    with connection.cursor() as cursor:
        assert _figures(cursor.cursor) == before


def test_the_nightly_task_takes_a_backup_and_keeps_the_policys_number(tmp_path):
    schedule = settings.CELERY_BEAT_SCHEDULE["core-backup-nightly"]
    assert (schedule["task"], schedule["schedule"]) == (
        "rental.core.tasks.backup_nightly",
        crontab(hour="3", minute="30"),
    )
    house = policy.current()
    house.backups_kept = 2
    house.save(update_fields=["backups_kept"])
    older = [tmp_path / f"rental-2026010{day}-033000-000000.dump" for day in (1, 2)]
    for path in older:
        path.write_bytes(b"an older backup")
    from rental.core.tasks import backup_nightly

    with celery_worker(name="backup", BACKUP_DIR=str(tmp_path)):
        backup_nightly.delay()
        wait_for(
            lambda: [p for p in backups.backups(tmp_path) if p not in older],
            timeout=60,
            message="no backup was written",
        )

    kept = backups.backups(tmp_path)
    assert kept[0] == older[1]
    assert len(kept) == 2
    assert kept[1].read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
