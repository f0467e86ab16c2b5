"""Benchmark of the SLA sweep against its floor, the equivalent single SQL UPDATE.

Builds a database of its own, `rental_bench_sla`, on the configured PostgreSQL server (dropped at
the end unless --keep), with 100,000 open tickets generated in SQL (1,000 customers, 50
technicians, 2 dispatchers) called within the last 6 hours against a 4-hour target, of which a
backlog is due: 5 % past their at-risk time and 2 % past their deadline, never swept. Then, each
run on the same data (marks reset, notifications and audit rows truncated, table vacuumed):

- the floor: one `UPDATE` that marks every due ticket at risk and late in a single statement,
  with no batching, locking of its own, audit or notification;
- the sweep's marking: `tickets_mark_due` exactly as the worker runs it (batches of 200,
  `FOR UPDATE SKIP LOCKED`, `RETURNING`, its audit rows, a transaction per batch) — the part
  with an SQL floor;
- the whole sweep, announcing included (`tickets_announce_marks` records a notification per
  recipient and channel from the outbox of unannounced marks through `notify_many`; delivery is
  Celery's, on an in-memory broker here), with the announcing step timed on its own.

and prints the medians, the ratios to the floor (target: the sweep's marking within 2×), the
announcing rate (target: ≥ 5,000 notification rows/s, so the ~7,000-ticket backlog's whole sweep
< 10 s and the steady minute's < 1 s), the load average (a shared machine gives low figures;
this process's CPU time is printed beside the wall clock) and the plans of one batch, showing the
partial indexes in use. A "steady minute" line repeats this a minute later with everything due
before already marked: only the ~500 tickets that came due in that minute are left, as in
production where beat runs the sweep every minute.

    python bench/sla_sweep.py [--runs 3] [--tickets 100000] [--keep] [--check] [--no-full]

Set BENCH_DB_SUFFIX (e.g. `_$USER`) to use a database name of your own on a shared server.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._db import drop_database, recreate_database, use_database  # noqa: E402

# BENCH_DB_SUFFIX lets several people bench on one server without dropping each other's database.
BENCH_DB = "rental_bench_sla" + os.environ.get("BENCH_DB_SUFFIX", "")
TARGET_RATIO = 2.0
ANNOUNCE_TARGET = 5_000  # notification rows/s
WHOLE_TARGET_S = {False: 10.0, True: 1.0}  # the backlog's whole sweep, the steady minute's
TABLE = "service_tickets_ticket"
OPEN = "status IN ('new', 'assigned', 'en_route')"
FLOOR_SQL = f"""
    UPDATE {TABLE} SET
        at_risk_at = COALESCE(at_risk_at, %(now)s),
        breached_at = CASE WHEN deadline <= %(now)s THEN %(now)s ELSE breached_at END
    WHERE {OPEN} AND (
        (at_risk_at IS NULL AND at_risk_from <= %(now)s)
        OR (breached_at IS NULL AND deadline <= %(now)s)
    )
"""


def load_data(tickets: int, now) -> dict[str, int]:
    """People, then the tickets, all in SQL. Call times are spread so that 93 % are quiet, 5 % are
    past 75 % of their 4-hour target and 2 % past the target itself; none has been swept."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, role, phone, preferred_language,
                verification_required, signup_kind)
            SELECT '!', false, r || n, '', '', r || n || '@example.com', r = 'staff', true,
                   now(), r,
                   CASE WHEN r = 'customer' THEN '' ELSE '1380013' || lpad(n::text, 4, '0') END,
                   'zh-hans', false, ''
            FROM (VALUES ('customer', 1000), ('technician', 50), ('staff', 2)) AS roles(r, k)
            CROSS JOIN LATERAL generate_series(1, k) AS n
            """
        )
        cur.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id)"
            " SELECT u.id, g.id FROM accounts_user u, auth_group g"
            " WHERE u.role = 'staff' AND g.name = 'front_desk'"
        )
        cur.execute(
            """
            INSERT INTO contracts_customer (kind, user_id, name, phone, email, credit_code,
                legal_representative, representative_id, contact_person, resident_id,
                created_at)
            SELECT 'individual', u.id, '客户' || u.id,
                   '+861391234' || lpad((u.id % 10000)::text, 4, '0'), u.email, '', '', '', '',
                   'B' || lpad(u.id::text, 17, '0'), now()
            FROM accounts_user u WHERE u.role = 'customer'
            """
        )
        cur.execute(
            f"""
            WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM contracts_customer),
                 t AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM accounts_user
                       WHERE role = 'technician'),
                 s AS (
                    SELECT n,
                           %(now)s - CASE
                               WHEN n %% 100 < 93
                                   THEN (1 + n %% 9973) / 9974.0 * interval '3 hours'
                               WHEN n %% 100 < 98 THEN interval '3 hours 1 minute'
                                    + (n %% 997) / 997.0 * interval '58 minutes'
                               ELSE interval '4 hours 1 minute'
                                    + (n %% 991) / 991.0 * interval '2 hours'
                           END AS reported_at,
                           (ARRAY['new', 'assigned', 'en_route'])[1 + n %% 3] AS status
                    FROM generate_series(1, %(tickets)s) AS n
                 )
            INSERT INTO {TABLE} (number, kind, path, channel, description, tier, zone, distance_km,
                site_address, contact_name, contact_phone, rental_days, reported_at, deadline,
                deadline_source, deadline_explanation, at_risk_from, status, technician_id,
                assigned_at, cancel_reason, work_kind, resolution_notes, parts, fee_explanation,
                fee_note, surcharge_explanation, surcharge_waive_reason, customer_id, created_at,
                outcome)
            SELECT 'B' || lpad(s.n::text, 9, '0'), 'hardware', 'on_site', 'online', '', 'rapid',
                   'base', 7.5, '', '', '', 3, s.reported_at, s.reported_at + interval '4 hours',
                   'automatic', '{{}}', s.reported_at + interval '3 hours', s.status,
                   CASE WHEN s.status <> 'new' THEN t.id END,
                   CASE WHEN s.status <> 'new' THEN s.reported_at END,
                   '', '', '', '', '{{}}', '', '{{}}', '', c.id, now(), ''
            FROM s
            JOIN c ON c.i = s.n %% 1000
            JOIN t ON t.i = s.n %% 50
            """,
            {"now": now, "tickets": tickets},
        )
        cur.execute("VACUUM ANALYZE")
        counts = {}
        cur.execute(f"SELECT count(*) FROM {TABLE} WHERE {OPEN}")
        counts["open"] = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {TABLE} WHERE at_risk_from <= %s", [now])
        counts["at_risk_due"] = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {TABLE} WHERE deadline <= %s", [now])
        counts["breach_due"] = cur.fetchone()[0]
        cur.execute("SELECT version()")
        counts["server"] = cur.fetchone()[0].split(" on ")[0]
    return counts


def reset(now, *, steady: bool) -> None:
    """Every run starts from the same data: no marks, no notifications, no audit rows. With
    `steady`, everything that came due more than a minute before `now` is already marked, as
    the previous sweep a minute ago left it."""
    with connection.cursor() as cur:
        # The audit trail is insert-only: its owner may empty it, on purpose (rental.core.dbguards).
        cur.execute("SELECT set_config('rental.allow_truncate', 'on', false)")
        cur.execute("TRUNCATE notifications_notification, core_auditevent RESTART IDENTITY")
        cur.execute("SELECT set_config('rental.allow_truncate', 'off', false)")
        cur.execute(
            f"UPDATE {TABLE} SET at_risk_at = NULL, breached_at = NULL,"
            " at_risk_announced_at = NULL, breached_announced_at = NULL"
            " WHERE at_risk_at IS NOT NULL OR breached_at IS NOT NULL"
        )
        if steady:
            earlier = now - timedelta(minutes=1)
            cur.execute(FLOOR_SQL, {"now": earlier})
            cur.execute(
                f"UPDATE {TABLE} SET at_risk_announced_at = at_risk_at,"
                " breached_announced_at = breached_at"
                " WHERE at_risk_at IS NOT NULL OR breached_at IS NOT NULL"
            )
        cur.execute(f"VACUUM ANALYZE {TABLE}")


def time_floor(now) -> tuple[float, int]:
    with connection.cursor() as cur:
        began = time.perf_counter()
        cur.execute(FLOOR_SQL, {"now": now})
        elapsed = time.perf_counter() - began
        return elapsed, cur.rowcount


def time_sweep(now, *, notify: bool):
    from service_tickets.services import sweep

    began = time.perf_counter()
    result = sweep.tickets_sweep_sla(now=now) if notify else sweep.tickets_mark_due(now=now)
    return time.perf_counter() - began, result


@dataclass
class FullSweep:
    whole: float  # s, wall clock
    marking: float
    announcing: float
    announcing_cpu: float  # s of this process's CPU while announcing (PostgreSQL's not included)
    rows: int
    waits: dict[str, tuple[int, float]]  # announcing's statements: kind -> (count, s waited)


def time_full_sweep(now) -> FullSweep:
    """The sweep as the worker runs it, with its two steps timed apart."""
    from service_tickets.services import sweep

    began = time.perf_counter()
    sweep.tickets_mark_due(now=now)
    marked = time.perf_counter()
    waits: dict[str, tuple[int, float]] = {}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = sql.split()
            table = next((w for w in words[1:6] if "_" in w), "")
            kind = f"{words[0].upper()} {table.strip(chr(34))}".strip()
            count, spent = waits.get(kind, (0, 0.0))
            waits[kind] = (count + 1, spent + time.perf_counter() - started)

    cpu = time.process_time()
    with connection.execute_wrapper(timed):
        rows = sweep.tickets_announce_marks()
    cpu = time.process_time() - cpu
    done = time.perf_counter()
    return FullSweep(done - began, marked - began, done - marked, cpu, rows, waits)


def batch_plans(now) -> dict[str, list[str]]:
    from service_tickets.services.sweep import BATCH, mark_params, mark_sql

    plans = {}
    with connection.cursor() as cur:
        for mark in ("breached", "at_risk"):
            cur.execute("BEGIN")
            cur.execute(
                "EXPLAIN (ANALYZE, COSTS OFF) " + mark_sql(mark),
                mark_params(mark, now=now, limit=BATCH),
            )
            plans[mark] = [row[0] for row in cur.fetchall()]
            cur.execute("ROLLBACK")
    return plans


def scenario(name: str, now, runs: int, *, steady: bool, full: bool) -> float:
    floors, sweeps, fulls = [], [], []
    marked = rows = 0
    for _ in range(runs):
        reset(now, steady=steady)
        elapsed, rows = time_floor(now)
        floors.append(elapsed)
        reset(now, steady=steady)
        elapsed, result = time_sweep(now, notify=False)
        sweeps.append(elapsed)
        marked = result.at_risk + result.breached
    if full:
        for _ in range(runs):
            reset(now, steady=steady)
            fulls.append(time_full_sweep(now))
    floor, swept = statistics.median(floors), statistics.median(sweeps)
    ratio = swept / floor if floor else float("inf")
    print(f"\n{name}: {rows:,} tickets due (the floor's rows), the sweep marked {marked:,}")
    print(f"  floor, one UPDATE ............................ {floor * 1000:9.1f} ms")
    print(
        f"  sweep, marking (batched, SKIP LOCKED, audit) .. {swept * 1000:9.1f} ms"
        f"   {ratio:5.2f}× the floor (target ≤ {TARGET_RATIO:.0f}×: "
        f"{'met' if ratio <= TARGET_RATIO else 'MISSED'})"
    )
    if fulls:
        full = sorted(fulls, key=lambda f: f.whole)[len(fulls) // 2]  # the median run
        rate = full.rows / full.announcing if full.announcing else float("inf")
        cpu_rate = full.rows / full.announcing_cpu if full.announcing_cpu else float("inf")
        whole_target = WHOLE_TARGET_S[steady]
        print(
            f"  sweep, announcing (notify_many) ............... {full.announcing * 1000:9.1f} ms"
            f"   {full.rows:,} notification rows, {rate:,.0f} rows/s"
            f" (target ≥ {ANNOUNCE_TARGET:,}: {'met' if rate >= ANNOUNCE_TARGET else 'MISSED'});"
            f" this process's CPU {full.announcing_cpu * 1000:,.0f} ms = {cpu_rate:,.0f} rows/s"
        )
        waited = sum(spent for _n, spent in full.waits.values())
        print(
            f"  announcing's statements: {sum(n for n, _s in full.waits.values()):,},"
            f" {waited * 1000:,.0f} ms from sending to the answer (PostgreSQL's share of the"
            " wall time):"
        )
        for kind, (n, spent) in sorted(full.waits.items(), key=lambda kv: -kv[1][1]):
            print(f"      {n:>5,} × {kind:<48} {spent * 1000:9.1f} ms")
        print(
            f"  sweep, whole (marking {full.marking * 1000:,.0f} ms + announcing) ...."
            f" {full.whole * 1000:9.1f} ms"
            f"   target < {whole_target:.0f} s: {'met' if full.whole < whole_target else 'MISSED'}"
            f"; {full.whole / floor if floor else float('inf'):,.1f}× the floor"
        )
    return ratio


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--no-full", action="store_true", help="skip the run with notifications")
    args = parser.parse_args()

    print(f"bench/sla_sweep.py: building database {BENCH_DB} …", flush=True)
    began = time.perf_counter()
    recreate_database(BENCH_DB)
    use_database(BENCH_DB)
    try:
        call_command("migrate", verbosity=0)
        from rental.core import policy

        policy.current()
        now = timezone.now()
        counts = load_data(args.tickets, now)
        print(
            f"  {counts['open']:,} open tickets, {counts['at_risk_due']:,} past their at-risk time,"
            f" {counts['breach_due']:,} past their deadline; {counts['server']};"
            f" built in {time.perf_counter() - began:.1f} s"
        )
        print(f"  load average at start: {_load()} ({os.cpu_count()} CPUs)")
        backlog = scenario(
            "Backlog (never swept)", now, args.runs, steady=False, full=not args.no_full
        )
        scenario(
            "Steady minute (swept a minute earlier)",
            now + timedelta(minutes=1),
            args.runs,
            steady=True,
            full=not args.no_full,
        )
        print(f"\n  load average at end: {_load()} — figures from a busy machine are low")
        reset(now, steady=False)
        for mark, plan in batch_plans(now).items():
            print(f"\nEXPLAIN ANALYZE one {mark} batch")
            for line in plan:
                print("    " + line)
    finally:
        if args.keep:
            print(f"\nKept database {BENCH_DB}.")
        else:
            drop_database(BENCH_DB)
    return 0 if backlog <= TARGET_RATIO or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
