"""Benchmark of the reports and the Today board at a real company's size.

Builds a database of its own, `rental_bench_reports`, on the configured PostgreSQL server (dropped
at the end unless --keep), all in SQL with generate_series: 2,000 units of 40 models in 8
categories and 2 depots, 200,000 calendar entries over the last six months (rentals, holds,
maintenance; one unit's entries never overlap, as the exclusion constraint demands), 50,000
contracts with a contract unit for every rental entry, their charges, payments and deposit
ledger, 5,000 customers and 100,000 service tickets with their recorded outcomes. Then times
each report's selector — exactly what its page, CSV and Excel sheet run — over the last six
months, and the board's selector (counts and every section), and prints the median and p95 of
--runs runs beside a floor: one bare aggregate query over the same rows.

    python bench/reports.py [--runs 20] [--keep] [--check]

Targets: every report p95 < 150 ms, the board p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
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
BENCH_DB = "rental_bench_reports" + os.environ.get("BENCH_DB_SUFFIX", "")
REPORT_TARGET_MS, BOARD_TARGET_MS = 150, 50
UNITS, ENTRIES_PER_UNIT, CONTRACTS, TICKETS, CUSTOMERS = 2_000, 100, 50_000, 100_000, 5_000

LOAD = [
    # People: a clerk who receives payments, 30 technicians, 5,000 customers.
    """
    INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
        is_staff, is_active, date_joined, role, phone, preferred_language, signup_kind,
        verification_required)
    SELECT '!', false, r || n, '', '', r || n || '@example.com', r = 'staff', true, now(), r,
           '', 'zh-hans', '', false
    FROM (VALUES ('staff', 1), ('technician', 30)) AS roles(r, k)
    CROSS JOIN LATERAL generate_series(1, k) AS n
    """,
    """
    INSERT INTO contracts_customer (kind, name, phone, email, credit_code, legal_representative,
        representative_id, contact_person, resident_id, created_at)
    SELECT CASE WHEN n % 3 = 0 THEN 'company' ELSE 'individual' END, '客户' || n,
           '+8613912' || lpad(n::text, 5, '0'), '', CASE WHEN n % 3 = 0
           THEN 'C' || lpad(n::text, 17, '0') ELSE '' END, '', '', '',
           CASE WHEN n % 3 = 0 THEN '' ELSE 'B' || lpad(n::text, 17, '0') END,
           %(now)s - (n % 400) * interval '1 day'
    FROM generate_series(1, %(customers)s) AS n
    """,
    # What we own.
    """
    INSERT INTO catalog_category (slug, name_zh, name_en, position)
    SELECT 'c' || n, '类别' || n, 'Category ' || n, n FROM generate_series(1, 8) AS n
    """,
    "INSERT INTO catalog_brand (slug, name, name_zh) VALUES ('b', 'Brand', '')",
    "INSERT INTO catalog_depot (name, address) VALUES ('厦门总部', ''), ('集美仓', '')",
    """
    INSERT INTO catalog_equipmentmodel (category_id, brand_id, name, slug, summary_zh,
        summary_en, specs, accessories, replacement_value, hour_rate, day_rate, week_rate,
        month_rate, is_active, created_at)
    SELECT (SELECT id FROM catalog_category ORDER BY id OFFSET n % 8 LIMIT 1),
           (SELECT id FROM catalog_brand), 'Model ' || n, 'm' || n, '', '', '{}', '[]',
           6000, 5, 30, 150, 400, true, now()
    FROM generate_series(1, 40) AS n
    """,
    """
    INSERT INTO catalog_asset (model_id, serial_number, asset_tag, depot_id, acquired_on,
        purchase_cost, condition_notes, service_status)
    SELECT (SELECT id FROM catalog_equipmentmodel ORDER BY id OFFSET n % 40 LIMIT 1),
           'SN' || n, 'XSS-' || lpad(n::text, 5, '0'),
           (SELECT id FROM catalog_depot ORDER BY id OFFSET n % 2 LIMIT 1),
           (%(now)s - interval '400 days')::date, 3000 + n % 5 * 500, '',
           CASE WHEN n % 100 = 0 THEN 'retired' ELSE 'in_service' END
    FROM generate_series(1, %(units)s) AS n
    """,
    # Each unit's entries one after another, 44 hours apart, lasting 20–40 hours, over the last
    # six months; the ones already over are released.
    """
    INSERT INTO catalog_calendarentry (asset_id, kind, starts_at, ends_at, blocked, is_active,
        note, created_at, released_at)
    SELECT a.id, e.kind, e.s, e.e, tstzrange(e.s, e.e), e.e > %(now)s, '', e.s,
           CASE WHEN e.e > %(now)s THEN NULL ELSE e.e END
    FROM catalog_asset a
    CROSS JOIN LATERAL (
        SELECT CASE WHEN (a.id + k) % 20 = 0 THEN 'maintenance'
                    WHEN (a.id + k) % 20 = 1 THEN 'hold' ELSE 'rental' END AS kind,
               %(now)s - interval '183 days' + (k * 44 + a.id % 7) * interval '1 hour' AS s,
               %(now)s - interval '183 days'
                   + (k * 44 + a.id % 7 + 20 + (a.id * k) % 21) * interval '1 hour' AS e
        FROM generate_series(0, %(per_unit)s - 1) AS k
    ) e
    """,
    # 50,000 contracts; every rental entry is a unit of one of them (entry i → contract i mod N).
    """
    INSERT INTO contracts_contract (number, customer_id, status, starts_at, ends_at, fulfilment,
        tier, quote, terms_snapshot, terms_overrides, deposit_waived, deposit_amount,
        deposit_note, signed_at, signed_place, customer_signature, document, pdf,
        handed_over_at, returned_at, closed_at, cancel_reason, created_at, delivery_fee,
        pickup_fee, policy_snapshot, zone)
    SELECT 'C' || lpad(n::text, 8, '0'),
           (SELECT min(id) FROM contracts_customer) + n % %(customers)s,
           CASE WHEN n % 50 = 0 THEN 'active' ELSE 'closed' END, s, s + interval '30 hours',
           'delivery', (ARRAY['basic', 'value_added', 'rapid'])[1 + n % 3], '{}', '{}', '{}',
           n % 4 <> 0, CASE WHEN n % 4 = 0 THEN 1000 ELSE 0 END, '', s, 'delivery', '', '{}',
           '', s, CASE WHEN n % 50 = 0 THEN NULL ELSE s + interval '32 hours' END,
           CASE WHEN n % 50 = 0 THEN NULL ELSE s + interval '40 hours' END, '', s, 20, 0, '{}',
           'base'
    FROM (SELECT n, %(now)s - interval '183 days' + (n * 263 % 4390) * interval '1 hour' AS s
          FROM generate_series(1, %(contracts)s) AS n) c
    """,
    """
    INSERT INTO contracts_contractunit (contract_id, model_id, asset_id, calendar_entry_id, rent,
        handed_over_at, returned_at, return_condition, missing_accessories, return_notes,
        rate_card)
    SELECT k.id, a.model_id, e.asset_id, e.id, 60 + e.id % 5 * 20, e.starts_at,
           CASE WHEN e.ends_at < %(now)s THEN e.ends_at + (e.id % 9 = 0)::int * interval '3 hours'
           END,
           CASE WHEN e.ends_at >= %(now)s THEN '' WHEN e.id % 31 = 0 THEN 'damaged' ELSE 'good'
           END, '[]', '', '{}'
    FROM (SELECT e.*, row_number() OVER (ORDER BY e.id) AS i FROM catalog_calendarentry e
          WHERE e.kind = 'rental') e
    JOIN catalog_asset a ON a.id = e.asset_id
    JOIN (SELECT id, row_number() OVER (ORDER BY id) AS i FROM contracts_contract) k
      ON k.i = 1 + e.i % %(contracts)s
    """,
    # Money: rent per contract, a delivery fee on most, late charges, payments, deposits.
    """
    INSERT INTO contracts_charge (contract_id, kind, description, amount, key, created_at,
        details)
    SELECT k.id, 'rent', '', sum(cu.rent), 'contract:' || k.id || ':rent', k.handed_over_at,
           '{}'::jsonb
    FROM contracts_contract k JOIN contracts_contractunit cu ON cu.contract_id = k.id
    GROUP BY k.id
    UNION ALL
    SELECT id, 'delivery', '', 20, 'contract:' || id || ':delivery', handed_over_at, '{}'
    FROM contracts_contract WHERE id % 3 <> 0
    UNION ALL
    SELECT cu.contract_id, 'late_return', '', 36,
           'contract:' || cu.contract_id || ':unit:' || cu.id || ':late', cu.returned_at, '{}'
    FROM contracts_contractunit cu WHERE cu.calendar_entry_id % 9 = 0 AND cu.returned_at IS NOT NULL
    UNION ALL
    SELECT cu.contract_id, 'damage', '', 300,
           'contract:' || cu.contract_id || ':unit:' || cu.id || ':damage', cu.returned_at, '{}'
    FROM contracts_contractunit cu WHERE cu.return_condition = 'damaged'
    """,
    """
    INSERT INTO contracts_payment (contract_id, amount, method, reference, received_at,
        received_by_id)
    SELECT c.contract_id, sum(c.amount), 'bank', '', max(c.created_at) + interval '2 days',
           (SELECT min(id) FROM accounts_user WHERE role = 'staff')
    FROM contracts_charge c WHERE c.contract_id % 10 <> 0 GROUP BY c.contract_id
    """,
    """
    INSERT INTO contracts_depositentry (contract_id, kind, amount, reason, key, recorded_at,
        details)
    SELECT id, 'collected', deposit_amount, '', 'contract:' || id || ':deposit:collected',
           handed_over_at, '{}'::jsonb
    FROM contracts_contract WHERE deposit_amount > 0
    UNION ALL
    SELECT id, 'refunded', deposit_amount, 'closed', 'contract:' || id || ':deposit:refunded',
           closed_at, '{}'
    FROM contracts_contract WHERE deposit_amount > 0 AND closed_at IS NOT NULL
    """,
    # 100,000 repair tickets over six months, 85 % met, with their outcome recorded at arrival.
    """
    INSERT INTO service_tickets_ticket (number, kind, path, channel, description, tier, zone,
        distance_km, site_address, contact_name, contact_phone, reported_at, deadline,
        deadline_source, deadline_explanation, status, technician_id, assigned_at, arrived_at,
        resolved_at, outcome, minutes_to_arrive, minutes_past_deadline, cancel_reason,
        work_kind, resolution_notes, parts, fee_explanation, fee_note, surcharge_explanation,
        surcharge_waive_reason, customer_id, created_at)
    SELECT 'T' || lpad(n::text, 9, '0'), 'hardware', 'on_site', 'online', '', t.tier, t.zone, 7.5,
           '', '', '', t.r, t.r + interval '4 hours', 'automatic', '{}', 'resolved',
           (SELECT min(id) FROM accounts_user WHERE role = 'technician') + n % 30, t.r,
           t.r + t.arrive * interval '1 minute', t.r + (t.arrive + 90) * interval '1 minute',
           CASE WHEN t.arrive > 240 THEN 'late' ELSE 'met' END, t.arrive, t.arrive - 240, '',
           'hardware', 'fixed', '', '{}', '', '{}', '',
           (SELECT min(id) FROM contracts_customer) + n % %(customers)s, t.r
    FROM (SELECT n, %(now)s - interval '183 days' + (n * 157 % 263520) * interval '1 minute' AS r,
                 (ARRAY['basic', 'value_added', 'rapid'])[1 + n % 3] AS tier,
                 CASE WHEN n % 5 = 0 THEN 'xiamen_mainland' ELSE 'base' END AS zone,
                 20 + (n * 37) % 260 AS arrive
          FROM generate_series(1, %(tickets)s) AS n) t
    """,
]


def load(now) -> dict[str, int]:
    params = {
        "now": now,
        "units": UNITS,
        "per_unit": ENTRIES_PER_UNIT,
        "contracts": CONTRACTS,
        "tickets": TICKETS,
        "customers": CUSTOMERS,
    }
    with connection.cursor() as cur:
        for statement in LOAD:
            # The statements are written with a bare % for modulo; the driver wants %%.
            cur.execute(statement.replace("%", "%%").replace("%%(", "%("), params)
        cur.execute("VACUUM ANALYZE")
        counts = {}
        for table in (
            "catalog_asset",
            "catalog_calendarentry",
            "contracts_contract",
            "contracts_contractunit",
            "contracts_charge",
            "contracts_payment",
            "contracts_depositentry",
            "service_tickets_ticket",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT version()")
        counts["server"] = cur.fetchone()[0].split(" on ")[0]
    return counts


# The floors: one bare aggregate over the rows each report reads.
FLOORS = {
    "utilisation": """SELECT sum(extract(epoch FROM ends_at - starts_at)) FROM catalog_calendarentry
        WHERE kind IN ('rental', 'maintenance') AND starts_at < %(end)s AND ends_at > %(start)s""",
    "per_unit": """SELECT asset_id, count(*), sum(rent) FROM contracts_contractunit
        WHERE handed_over_at >= %(start)s AND handed_over_at < %(end)s GROUP BY asset_id""",
    "revenue": """SELECT date_trunc('month', created_at), kind, sum(amount) FROM contracts_charge
        WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1, 2""",
    "deposits": """SELECT date_trunc('month', recorded_at), kind, sum(amount)
        FROM contracts_depositentry WHERE recorded_at < %(end)s GROUP BY 1, 2""",
    "returns": """SELECT date_trunc('month', returned_at), count(*) FROM contracts_contractunit
        WHERE returned_at >= %(start)s AND returned_at < %(end)s GROUP BY 1""",
    "service": """SELECT date_trunc('month', reported_at), count(*),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_arrive)
        FROM service_tickets_ticket WHERE reported_at >= %(start)s AND reported_at < %(end)s
        GROUP BY 1""",
    "customers": """SELECT k.customer_id, sum(c.amount) FROM contracts_charge c
        JOIN contracts_contract k ON k.id = c.contract_id
        WHERE c.created_at >= %(start)s AND c.created_at < %(end)s GROUP BY 1""",
    "board": """SELECT count(*) FROM contracts_contract WHERE status = 'active'
        AND ends_at < %(now)s""",
}


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm the caches and the plan once
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def floor(sql: str, params: dict):
    def run():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--reuse", action="store_true", help=f"use a kept {BENCH_DB} as it is")
    args = parser.parse_args()

    from catalog.reports import utilisation
    from contracts import reports
    from rental.accounts.roles import BOARD_SECTIONS
    from rental.core.periods import last_months
    from rental.core.timeutil import local
    from rental.operations.rollups import rollups_refresh
    from rental.operations.selectors import board_counts, today_board
    from service_tickets.reports import service_report

    print(f"bench/reports.py: building database {BENCH_DB} …", flush=True)
    began = time.perf_counter()
    if not args.reuse:
        recreate_database(BENCH_DB)
    use_database(BENCH_DB)
    missed = []
    try:
        if args.reuse:
            from catalog.models import CalendarEntry

            call_command("migrate", verbosity=0)  # a database kept from an older checkout
            now = CalendarEntry.objects.order_by("-ends_at").values_list("ends_at", flat=True)[0]
            now -= timedelta(hours=9)  # the moment the data was built around
            counts = {"server": "reused"}
        else:
            call_command("migrate", verbosity=0)
            now = timezone.now()
            counts = load(now)
        print(
            "  "
            + ", ".join(f"{v:,} {k.split('_', 1)[1]}" for k, v in counts.items() if k != "server")
            + f"; {counts['server']}; built in {time.perf_counter() - began:.1f} s"
        )
        period = last_months(local(now).date())
        months = [b.start.date() for b in period.buckets("month")]
        print(
            f"\nRollup refresh (rental/operations/rollups.py), s:"
            f"  {'six months':>10} {'current':>8}"
        )
        every = rollups_refresh(months=months, now=now)
        current = rollups_refresh(months=months[-1:], now=now)
        for name in every:
            print(f"  {name:46} {every[name]:10.2f} {current[name]:8.2f}")
        print(f"  {'all':46} {sum(every.values()):10.2f} {sum(current.values()):8.2f}")
        # Fresh statistics for the rollups, as autovacuum gives them within a minute of a
        # refresh this size: without them the planner takes 56,000 rows for 100 and sorts.
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        window = {"start": period.start, "end": period.end, "now": now}
        board_sections = list(BOARD_SECTIONS["manager"])
        cases = {
            "utilisation": lambda: utilisation(period=period, now=now),
            "utilisation by unit": lambda: utilisation(period=period, group="unit", now=now),
            "utilisation weekly": lambda: utilisation(period=period, grain="week", now=now),
            "per_unit": lambda: reports.per_unit(period=period, now=now),
            "revenue": lambda: reports.revenue(period=period, now=now),
            "revenue weekly": lambda: reports.revenue(period=period, grain="week", now=now),
            "deposits": lambda: reports.deposits(period=period),
            "returns": lambda: reports.returns(period=period, now=now),
            "service": lambda: service_report(period=period, now=now),
            "service weekly": lambda: service_report(period=period, grain="week", now=now),
            "customers": lambda: reports.customers(period=period, now=now),
            "board": lambda: today_board(now=now, sections=board_sections),
            "board counts (the minute refresh)": lambda: board_counts(now=now),
        }
        live = {
            "utilisation weekly": lambda: utilisation(
                period=period, grain="week", now=now, live=True
            ),
            "per_unit": lambda: reports.per_unit(period=period, now=now, live=True),
            "revenue": lambda: reports.revenue(period=period, now=now, live=True),
            "returns": lambda: reports.returns(period=period, now=now, live=True),
            "service": lambda: service_report(period=period, now=now, live=True),
            "customers": lambda: reports.customers(period=period, now=now, live=True),
        }
        print(
            f"\nLast six months ({period.first} – {period.last}), {args.runs} runs each, ms"
            " (live: the same report computed from the raw rows, 3 runs):"
        )
        print(f"  {'':34} {'median':>8} {'p95':>8}   {'floor':>7}  {'×':>5}  {'live':>7}   target")
        cpu = time.process_time()
        for name, fn in cases.items():
            median, p95 = timed(fn, args.runs)
            key = name.split(" ")[0]
            floor_median, _ = timed(floor(FLOORS[key], window), args.runs)
            live_median = f"{timed(live[name], 3)[0]:7.0f}" if name in live else f"{'':7}"
            target = BOARD_TARGET_MS if key == "board" else REPORT_TARGET_MS
            ok = p95 < target
            if not ok:
                missed.append(name)
            print(
                f"  {name:34} {median:8.1f} {p95:8.1f}   {floor_median:7.1f}"
                f"  {median / floor_median if floor_median else 0:5.1f}  {live_median}"
                f"   p95 < {target}: {'met' if ok else 'MISSED'}",
                flush=True,
            )
        print(
            f"\n  this process's CPU time over the timings: {time.process_time() - cpu:.1f} s;"
            f" load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
        )
    finally:
        if args.keep:
            print(f"\nKept database {BENCH_DB}.")
        else:
            drop_database(BENCH_DB)
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
