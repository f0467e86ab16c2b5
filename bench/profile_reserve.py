"""Where the time of one reservation goes: cProfile of the reservation POST, in-process.

Builds a database of its own, `rental_bench_profile` (plus $BENCH_DB_SUFFIX), seeds it as
bench/reserve.py does (customers, a contended model of 5 units, models of 20 units, the front
desk), warms up with a few reservations, then makes --count reservations through Django's test
client (the whole middleware stack and view, no HTTP server) under cProfile and prints the
milliseconds and queries per reservation (and, apart, of announcing it: the worker's part),
the time by area (template rendering, notification recording, database round trips…) and the
top functions.

    python bench/profile_reserve.py [--count 200] [--lines 1] [--top 30] [--keep]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench._db import drop_database, recreate_database, use_database  # noqa: E402
from bench.reserve import CONTENDED_UNITS, SHANGHAI, ReserveWork, seed  # noqa: E402
from contracts.services import reservations_announce_due  # noqa: E402

BENCH_DB = "rental_bench_profile" + os.environ.get("BENCH_DB_SUFFIX", "")
# Where a function's cumulative time is counted (first match wins, by its file path).
AREAS = [
    ("notifications (render + record)", "rental/notifications/"),
    ("reservation service", "contracts/services/reservations.py"),
    ("form and view", "contracts/views/"),
    ("template rendering (page)", "django/template/"),
    ("database round trips (psycopg)", "psycopg/"),
    ("ORM (query building, model instances)", "django/db/models/"),
]


def _package(path: str) -> str:
    """`django/db`, `psycopg`, `contracts`… for a function's file; `~` for built-ins."""
    if "site-packages/" in path:
        parts = path.split("site-packages/", 1)[1].split("/")
        return "/".join(parts[:2]) if parts[0] == "django" else parts[0]
    if path.startswith(str(ROOT)):
        return path[len(str(ROOT)) + 1 :].split("/")[0]
    if path == "~":
        return "built-ins (C)"
    return "python stdlib"


def _bodies(clients, lines: int, count: int) -> list[tuple[object, str]]:
    """`count` requests of the uncontended clients: `lines` models each (their own model and the
    next clients' ones), so every request gets its units."""
    own = [c for c in clients if not c.contended]
    work = ReserveWork(datetime.now(SHANGHAI).date())
    rng = random.Random(7)
    result = []
    for n in range(count):
        client = own[n % len(own)]
        fields = dict(
            pair.split("=", 1)
            for pair in work.body(client, rng).split("&")  # one line
        )
        for extra in range(1, lines):
            other = own[(own.index(client) + extra) % len(own)]
            fields[f"model_{extra}"] = str(other.model_id)
            fields[f"quantity_{extra}"] = "1"
        fields["quantity_0"] = "1"
        result.append((client, urlencode(fields, safe="%")))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--lines", type=int, default=1, help="models per reservation")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--dump", help="also write the cProfile stats to this file")
    parser.add_argument(
        "--refusals",
        action="store_true",
        help="profile refusals (the units taken, the form shown again) instead of reservations",
    )
    parser.add_argument(
        "--timer",
        choices=("wall", "cpu"),
        default="wall",
        help="what cProfile counts: wall time (waits on PostgreSQL and the broker included) or"
        " this process's CPU time only (where the Python work goes)",
    )
    args = parser.parse_args()

    recreate_database(BENCH_DB)
    use_database(BENCH_DB)
    try:
        call_command("migrate", verbosity=0)
        clients = seed(20)
        requests = _bodies(clients, args.lines, 2 * args.count + 10)
        http = Client(HTTP_HOST="localhost")

        def post(client, body, expect=302):
            http.cookies["sessionid"] = client.session
            # A browser follows the redirect, whose page shows (and so drops) the success
            # message; never sent back, the messages cookie would grow with every request.
            http.cookies.pop("messages", None)
            response = http.post(
                "/reservations/new/", body, content_type="application/x-www-form-urlencoded"
            )
            if response.status_code != expect:
                raise SystemExit(
                    f"reservation failed: {response.status_code} {response.content[:500]}"
                )

        for client, body in requests[:10]:  # warm-up: imports, templates, catalogues
            post(client, body)
        queries = []

        def log(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - began, sql))

        with connection.execute_wrapper(log):
            post(*requests[10])
        # Without the profiler first: the figure to compare (cProfile inflates Python's cost).
        began, cpu = time.perf_counter(), time.process_time()
        plain = requests[11 + args.count :]
        for client, body in plain:
            post(client, body)
        plain_wall = (time.perf_counter() - began) / len(plain) * 1000
        plain_cpu = (time.process_time() - cpu) / len(plain) * 1000
        print(
            f"{len(plain)} reservations of {args.lines} line(s) without the profiler:"
            f" {plain_wall:.1f} ms each, {plain_cpu:.1f} ms of this process's CPU each"
            " (Django's test client and the whole middleware stack, no HTTP server)"
        )
        # The worker's part of each: telling the customer and the front desk.
        began, cpu = time.perf_counter(), time.process_time()
        told = reservations_announce_due(now=timezone.now() + timedelta(days=1))
        print(
            f"{told} announcements (the worker's part, after the page):"
            f" {(time.perf_counter() - began) / told * 1000:.1f} ms each,"
            f" {(time.process_time() - cpu) / told * 1000:.1f} ms of CPU each"
        )
        # A refusal (the units are taken: the bench's contended half) re-renders the form.
        taker = next(c for c in clients if c.contended)
        full = dict(pair.split("=", 1) for pair in requests[11][1].split("&"))
        full.update(model_0=str(taker.model_id), quantity_0=str(CONTENDED_UNITS))
        full = urlencode(full, safe="%")
        post(taker, full)
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(len(plain) // 2):
            post(taker, full, expect=400)
        print(
            f"{len(plain) // 2} refusals (not free, the form shown again):"
            f" {(time.perf_counter() - began) / (len(plain) // 2) * 1000:.1f} ms each,"
            f" {(time.process_time() - cpu) / (len(plain) // 2) * 1000:.1f} ms of CPU each"
        )
        profile = cProfile.Profile(time.process_time if args.timer == "cpu" else time.perf_counter)
        began = time.perf_counter()
        cpu = time.process_time()
        profile.enable()
        if args.refusals:
            for _ in range(args.count - 1):
                post(taker, full, expect=400)
        else:
            for client, body in requests[11 : 10 + args.count]:
                post(client, body)
        profile.disable()
        wall = (time.perf_counter() - began) / (args.count - 1) * 1000
        cpu = (time.process_time() - cpu) / (args.count - 1) * 1000
        print(
            f"{args.count - 1} {'refusals' if args.refusals else 'reservations'}"
            f" of {args.lines} line(s) under cProfile:"
            f" {wall:.1f} ms each ({cpu:.1f} ms of this process's CPU; profiling adds ~30-50 %),"
            f" {len(queries)} queries each; load average"
            f" {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print("\nqueries of one reservation:")
        for seconds, sql in queries:
            print(f"  {seconds * 1000:6.1f} ms  {' '.join(sql.split())[:140]}")
        stats = pstats.Stats(profile)
        total = max(stats.total_tt, 1e-9)
        if args.dump:
            stats.dump_stats(args.dump)
        print("\nown time by package (what runs, not what waits: psycopg's wait is the database):")
        by_package: dict[str, float] = {}
        for (path, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
            by_package[_package(path)] = by_package.get(_package(path), 0.0) + tt
        for package, spent in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
            print(f"  {package:<42} {spent / total * 100:5.1f} %")
        print("\ncumulative time by area (areas overlap: the service calls notifications):")
        for label, fragment in AREAS:
            spent = max(
                (
                    ct
                    for (path, _line, _name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                    if fragment in path
                ),
                default=0.0,
            )
            # The biggest cumulative entry of the area approximates its share (its entry point).
            print(f"  {label:<42} {spent / total * 100:5.1f} %")
        print()
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    finally:
        if not args.keep:
            drop_database(BENCH_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
