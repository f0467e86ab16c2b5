"""Benchmark of availability: the all-models free count and a 3-unit placement.

Builds a database of its own, `rental_bench`, on the configured PostgreSQL server (dropped at the
end unless --keep), with 2,000 units of 200 models and 200,000 past and future calendar entries
generated in SQL, then times:

- `selectors.free_counts` for a one-week window over all models (target p95 < 20 ms), and
- `services.calendar_place` of 3 units for a 3-day window (target p95 < 30 ms), each run undone
  by rolling back a savepoint so every run sees the same calendar,

and prints the median and p95 of each, and the EXPLAIN (ANALYZE) plans showing the GiST index
of the exclusion constraint `catalog_calendar_no_overlap` in use.

    python bench/availability.py [--runs 60] [--keep] [--check]

--check exits with status 1 when a target is missed. --with-blocked-index first adds a partial
GiST index on `blocked` alone, to measure that proposal against the schema as it is.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rental.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402

from bench._db import drop_database, recreate_database, use_database  # noqa: E402
from bench._server import percentile  # noqa: E402

BENCH_DB = "rental_bench"
MODELS = 200
UNITS_PER_MODEL = 10
ENTRIES_PER_UNIT = 100
SLOT_DAYS = 20  # one entry per unit per 20-day slot: ~3 years back and ~2.5 years ahead
INDEX = "catalog_calendar_no_overlap"
TARGETS_MS = {"count": 20.0, "place": 30.0}
_INDEX_IN_PLAN = re.compile(r"Index (?:Only )?Scan(?: Backward)? (?:using|on) (\w+)")


def load_data() -> dict[str, int]:
    """Categories, brands, one depot, 200 models, 2,000 units, 200,000 entries; all in SQL."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    base = now - timedelta(days=3 * 365)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO catalog_category (slug, name_zh, name_en, position) VALUES"
            " ('laptops', '笔记本电脑', 'Laptops', 0), ('desktops', '台式电脑', 'Desktops', 1),"
            " ('network', '网络产品', 'Network products', 2),"
            " ('office', '办公设备', 'Office equipment', 3),"
            " ('monitors', '显示器', 'Monitors', 4),"
            " ('projection', '投影设备', 'Projection equipment', 5)"
        )
        cur.execute(
            "INSERT INTO catalog_brand (slug, name, name_zh)"
            " SELECT 'brand-' || n, 'Brand ' || n, '' FROM generate_series(1, 11) AS n"
        )
        cur.execute("INSERT INTO catalog_depot (name, address) VALUES ('厦门总部', '')")
        cur.execute(
            """
            INSERT INTO catalog_equipmentmodel (category_id, brand_id, name, slug, summary_zh,
                summary_en, specs, accessories, replacement_value, hour_rate, day_rate,
                week_rate, month_rate, is_active, created_at)
            SELECT c.id, b.id, 'Model ' || n, 'model-' || n, '', '',
                   jsonb_build_object('cpu', 'Intel Core i' || (3 + n %% 3 * 2),
                                      'ram_gb', 8 * (1 + n %% 4)),
                   '[]'::jsonb, 6000, 5, 30, 150, 400, true, now()
            FROM generate_series(1, %s) AS n
            JOIN catalog_category c ON c.position = n %% 6
            JOIN catalog_brand b ON b.slug = 'brand-' || (1 + n %% 11)
            """,
            [MODELS],
        )
        cur.execute(
            """
            INSERT INTO catalog_asset (model_id, serial_number, asset_tag, depot_id, acquired_on,
                condition_notes, service_status)
            SELECT m.id, 'SN-' || m.id || '-' || u,
                   'XSS-B-' || lpad((m.id * 100 + u)::text, 6, '0'),
                   d.id, date '2024-01-01', '',
                   CASE WHEN (m.id + u) %% 50 = 0 THEN 'retired'
                        WHEN (m.id + u) %% 20 = 0 THEN 'in_repair' ELSE 'in_service' END
            FROM catalog_equipmentmodel m
            CROSS JOIN generate_series(1, %s) AS u
            CROSS JOIN (SELECT id FROM catalog_depot LIMIT 1) d
            """,
            [UNITS_PER_MODEL],
        )
        # One entry per unit per slot, starting 0-71 h into the slot and lasting 1 h to 7 days:
        # never overlapping, buffer included. Units' slots are staggered by up to 19 days so
        # that about half of them are busy in any week. One in ten is released history. The "random"
        # numbers are hashes of (unit, slot), so every run builds the same calendar.
        cur.execute(
            """
            INSERT INTO catalog_calendarentry (asset_id, kind, starts_at, ends_at, blocked,
                is_active, note, created_at, released_at)
            SELECT e.asset_id, e.kind, e.starts_at, e.ends_at,
                   tstzrange(e.starts_at - interval '2 hours', e.ends_at + interval '2 hours'),
                   NOT e.released, '', now(), CASE WHEN e.released THEN e.ends_at END
            FROM (
                SELECT a.id AS asset_id,
                       (ARRAY['rental', 'rental', 'hold', 'maintenance'])[1 + (a.id + slot) %% 4]
                           AS kind,
                       s.starts_at,
                       s.starts_at + (1 + abs(hashtext('d' || a.id || ':' || slot)) %% 168)
                           * interval '1 hour' AS ends_at,
                       abs(hashtext('r' || a.id || ':' || slot)) %% 10 = 0 AS released
                FROM catalog_asset a
                CROSS JOIN generate_series(0, %s - 1) AS slot
                CROSS JOIN LATERAL (
                    SELECT %s::timestamptz + (slot * %s + a.id %% 20) * interval '1 day'
                           + (abs(hashtext('s' || a.id || ':' || slot)) %% 72) * interval '1 hour'
                           AS starts_at
                ) s
            ) e
            """,
            [ENTRIES_PER_UNIT, base, SLOT_DAYS],
        )
        cur.execute("ANALYZE")
        counts = {}
        for table in ("catalog_equipmentmodel", "catalog_asset", "catalog_calendarentry"):
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM catalog_calendarentry WHERE starts_at > now()")
        counts["future entries"] = cur.fetchone()[0]
        cur.execute("SELECT version()")
        counts["server"] = cur.fetchone()[0].split(" on ")[0]
    return counts


def explain(query_sql: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query_sql)
        return [row[0] for row in cur.fetchall()]


def bench_count(runs: int, rng: random.Random) -> tuple[list[float], list[str], int]:
    from catalog import selectors

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    windows = [now + timedelta(hours=rng.randrange(24, 24 * 300)) for _ in range(runs + 5)]
    timings = []
    for i, start in enumerate(windows):
        began = time.perf_counter()
        counts = selectors.free_counts(starts_at=start, ends_at=start + timedelta(days=7))
        elapsed = (time.perf_counter() - began) * 1000
        if i >= 5:  # the first runs warm the caches
            timings.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.free_counts(starts_at=windows[0], ends_at=windows[0] + timedelta(days=7))
    plan = explain(queries.captured_queries[-1]["sql"])
    return timings, plan, sum(counts.values())


def bench_place(runs: int, rng: random.Random) -> tuple[list[float], list[str], int]:
    from catalog import selectors, services
    from catalog.errors import NotEnoughUnits
    from catalog.models import CalendarEntry, EquipmentModel

    models = {m.pk: m for m in EquipmentModel.objects.all()}
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    jobs = []
    while len(jobs) < runs + 5:
        start = now + timedelta(hours=rng.randrange(24, 24 * 300))
        end = start + timedelta(days=3)
        free = selectors.free_counts(starts_at=start, ends_at=end)
        candidates = [pk for pk, n in free.items() if n >= 3]
        if candidates:
            jobs.append((models[rng.choice(candidates)], start, end))
    timings, refused = [], 0
    plan: list[str] = []
    with transaction.atomic():
        for i, (model, start, end) in enumerate(jobs):
            savepoint = transaction.savepoint()
            began = time.perf_counter()
            try:
                with CaptureQueriesContext(connection) as queries:
                    services.calendar_place(
                        model=model,
                        quantity=3,
                        starts_at=start,
                        ends_at=end,
                        kind=CalendarEntry.Kind.HOLD,
                        note="bench",
                    )
            except NotEnoughUnits:
                refused += 1
            elapsed = (time.perf_counter() - began) * 1000
            transaction.savepoint_rollback(savepoint)
            if i >= 5:
                timings.append(elapsed)
            if not plan:
                chosen = next(
                    q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]
                )
                savepoint = transaction.savepoint()
                plan = explain(chosen)
                transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(True)
    return timings, plan, refused


def report(name: str, key: str, timings: list[float]) -> bool:
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    ok = p95 < TARGETS_MS[key]
    print(
        f"  {name:<44} median {median:6.2f} ms   p95 {p95:6.2f} ms   max {max(timings):6.2f} ms"
        f"   (target p95 < {TARGETS_MS[key]:.0f} ms: {'met' if ok else 'MISSED'})"
    )
    return ok


def print_plan(title: str, plan: list[str]) -> None:
    """The plan, and which indexes it reads with their access method (gist, btree…)."""
    used = sorted({m.group(1) for line in plan for m in [_INDEX_IN_PLAN.search(line)] if m})
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname, am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam"
            " WHERE c.relname = ANY(%s)",
            [used],
        )
        methods = dict(cur.fetchall())
    described = ", ".join(f"{name} ({methods.get(name, '?')})" for name in used) or "none"
    print(
        f"\n{title}\n  indexes used: {described}; {INDEX} used: {'yes' if INDEX in used else 'no'}"
    )
    for line in plan:
        print("    " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="timed runs of each (default 60)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--with-blocked-index",
        action="store_true",
        help="first add a partial GiST index on blocked alone (a proposal, not in the schema)",
    )
    args = parser.parse_args()
    rng = random.Random(20240601)

    print(f"bench/availability.py: building database {BENCH_DB} …", flush=True)
    began = time.perf_counter()
    recreate_database(BENCH_DB)
    use_database(BENCH_DB)
    try:
        call_command("migrate", "core", verbosity=0)
        call_command("migrate", "catalog", verbosity=0)
        counts = load_data()
        if args.with_blocked_index:
            with connection.cursor() as cur:
                cur.execute(
                    "CREATE INDEX bench_calendar_blocked_active ON catalog_calendarentry"
                    " USING gist (blocked) WHERE is_active"
                )
                cur.execute("ANALYZE catalog_calendarentry")
            print(
                "  with the proposed index bench_calendar_blocked_active:"
                " gist (blocked) WHERE is_active"
            )
        print(
            f"  {counts['catalog_equipmentmodel']:,} models, {counts['catalog_asset']:,} units, "
            f"{counts['catalog_calendarentry']:,} calendar entries "
            f"({counts['future entries']:,} in the future); {counts['server']}; "
            f"built in {time.perf_counter() - began:.1f} s"
        )
        from rental.core import policy

        policy.current()  # the policy row exists in a running system
        print(f"\nTimings over {args.runs} runs (after 5 warm-up runs), {datetime.now():%Y-%m-%d}:")
        count_timings, count_plan, free_units = bench_count(args.runs, rng)
        ok_count = report("free_counts, all models, one-week window", "count", count_timings)
        place_timings, place_plan, refused = bench_place(args.runs, rng)
        ok_place = report("calendar_place, 3 units, 3-day window", "place", place_timings)
        print(
            f"  ({free_units:,} units free in the first week window; {refused} placements refused)"
        )
        print_plan("EXPLAIN ANALYZE free_counts", count_plan)
        print_plan("EXPLAIN ANALYZE calendar_place: choosing and locking free units", place_plan)
    finally:
        if args.keep:
            print(f"\nKept database {BENCH_DB}.")
        else:
            drop_database(BENCH_DB)
    return 0 if (ok_count and ok_place) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
