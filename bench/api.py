"""Benchmark of the API over HTTP against a real gunicorn, beside the trivial view in the same run.

Builds a database of its own, `rental_bench_api` (dropped at the end unless --keep), seeds a
catalogue of 30 models with 20 units each and one customer with an API token per client, starts
gunicorn (bench.settings, 4 workers x 2 threads by default) on 127.0.0.1 and runs, each for
--seconds with the same clients (threads with keep-alive connections and their own token):

- catalogue: GET /api/v1/catalogue/models/ (a page of 20 models with rate cards and photos);
- quote: POST /api/v1/quotes/ (two models, a period, collection), with the client's token;
- public quote: the same with delivery to a district, anonymous (a partner's website);
- reservation: POST /api/v1/reservations/ (one unit of the client's own model, a period that
  moves on each time so it is always free);
- trivial: GET /bench/trivial, the floor.

Prints requests, req/s, p50 and p95 latency of each phase, its ratio to the floor, and the CPU
time gunicorn's processes and this client process spent per request, with the load average
before and after (wall figures on a shared machine say little; CPU per request travels). Exits 1
on any 5xx or unexpected answer. Throttles are raised out of the way for the run.

    python bench/api.py [--clients 16] [--seconds 20] [--workers 4] [--threads 2] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import HOST, BenchDatabase, Gunicorn, load_dotenv, manage, percentile  # noqa: E402

# BENCH_DB_SUFFIX lets several people bench on one server without dropping each other's database.
BENCH_DB = "rental_bench_api" + os.environ.get("BENCH_DB_SUFFIX", "")
SETTINGS = "bench.settings"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MODELS = 30
UNITS = 20


def resident_id(n: int) -> str:
    from stdnum.cn import ric

    body = f"35020319900101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Client:
    n: int
    token: str
    model: str


def seed(clients: int) -> list[Client]:
    from decimal import Decimal

    from django.db import transaction

    from catalog.models import Asset, Brand, Category, Depot, EquipmentModel
    from contracts.models import Customer
    from rental.accounts.models import User
    from rental.api import tokens
    from rental.core import policy

    with transaction.atomic():
        policy.current()
        category = Category.objects.create(slug="laptops", name_zh="笔记本电脑", name_en="Laptops")
        brand = Brand.objects.create(slug="bench", name="Bench")
        depot = Depot.objects.create(name="厦门总部")
        slugs = []
        for m in range(MODELS):
            model = EquipmentModel.objects.create(
                category=category,
                brand=brand,
                name=f"Model {m}",
                slug=f"model-{m}",
                specs={"cpu": "Intel Core i5", "ram_gb": 16},
                replacement_value=Decimal("6000"),
                hour_rate=Decimal("5"),
                day_rate=Decimal("30"),
                week_rate=Decimal("150"),
                month_rate=Decimal("400"),
            )
            Asset.objects.bulk_create(
                Asset(
                    model=model,
                    serial_number=f"SN-{m}-{u}",
                    asset_tag=f"B{m:02d}-{u:03d}",
                    depot=depot,
                )
                for u in range(UNITS)
            )
            slugs.append(model.slug)
        result = []
        for n in range(clients):
            user = User.objects.create(username=f"api{n}", email=f"api{n}@bench.example")
            Customer.objects.create(
                kind=Customer.Kind.INDIVIDUAL,
                user=user,
                name=f"客户{n}",
                phone=f"+86138{n:08d}",
                email=user.email,
                resident_id=resident_id(n),
            )
            plain = tokens.token_issue(user=user, device="bench")[1]
            result.append(Client(n, plain, slugs[n % MODELS]))
    return result


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, ms: float, sample: str = "") -> None:
        self.latencies.append(ms)
        self.statuses[kind] = self.statuses.get(kind, 0) + 1
        if sample:
            self.samples.setdefault(kind, sample)


def _ticks(pid: int) -> tuple[int, int]:
    """(own, reaped children's) CPU clock ticks of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def server_cpu_seconds(master: int) -> float:
    """CPU of gunicorn's master and workers so far: live workers' own time plus what the master
    has reaped from recycled ones (Linux /proc)."""
    own, reaped = _ticks(master)
    total = own + reaped
    with contextlib.suppress(OSError):
        with open(f"/proc/{master}/task/{master}/children") as children:
            pids = [int(pid) for pid in children.read().split()]
        for pid in pids:
            # A worker recycled meanwhile is counted in `reaped` from now on.
            with contextlib.suppress(OSError):
                total += _ticks(pid)[0]
    return total / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def run_phase(port: int, clients: list[Client], seconds: float, request) -> tuple[Outcome, float]:
    outcomes = [Outcome() for _ in clients]
    start_line = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(i: int, client: Client) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        counter = itertools.count()
        start_line.wait()
        while time.perf_counter() < deadline[0]:
            method, path, body, expected, *anonymous = request(client, next(counter))
            headers = {"Accept-Language": "en"}
            if not anonymous:
                headers["Authorization"] = f"Bearer {client.token}"
            if body is not None:
                headers["Content-Type"] = "application/json"
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            ms = (time.perf_counter() - began) * 1000
            ok = response.status == expected
            outcomes[i].add(
                "ok" if ok else str(response.status),
                ms,
                "" if ok else data[:300].decode("utf-8", "replace"),
            )
        conn.close()

    threads = [
        threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    total = Outcome()
    for o in outcomes:
        total.latencies += o.latencies
        for k, v in o.statuses.items():
            total.statuses[k] = total.statuses.get(k, 0) + v
        for k, v in o.samples.items():
            total.samples.setdefault(k, v)
    return total, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20, help="each phase (default 20)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_dotenv()
    print(f"bench/api.py: building database {BENCH_DB} …", flush=True)
    database = BenchDatabase(BENCH_DB)
    database.recreate()
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "API_THROTTLE_TOKEN": "1000000/min",
        "API_THROTTLE_ADDRESS": "1000000/min",
    }
    os.environ.update(DATABASE_URL=database.url, DJANGO_SETTINGS_MODULE=SETTINGS)
    server = None
    ok = False
    try:
        manage("migrate", "--noinput", "-v", "0", env=env)
        import django

        django.setup()
        from django.db import connection

        clients = seed(args.clients)
        connection.close()
        server = Gunicorn(env=env, workers=args.workers, threads=args.threads)
        server.wait_ready("/bench/trivial")
        print(
            f"  {MODELS} models x {UNITS} units, {args.clients} clients with a token each;"
            f" gunicorn {args.workers} workers x {args.threads} threads on {HOST}:{server.port};"
            f" {os.cpu_count()} CPUs",
            flush=True,
        )
        base = datetime.now(SHANGHAI).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)

        def period(k: int, hours: int = 4) -> tuple[str, str]:
            start = base + timedelta(hours=k * (hours + 6))
            return start.isoformat(), (start + timedelta(hours=hours)).isoformat()

        def quote_body(client: Client, k: int) -> str:
            start, end = period(k % 50, hours=30)
            return json.dumps(
                {
                    "items": [
                        {"model": client.model, "quantity": 2},
                        {
                            "model": "model-0" if client.model != "model-0" else "model-1",
                            "quantity": 1,
                        },
                    ],
                    "start": start,
                    "end": end,
                    "fulfilment": "collection",
                    "tier": "basic",
                }
            )

        def public_quote_body(client: Client, k: int) -> str:
            body = json.loads(quote_body(client, k))
            return json.dumps({**body, "fulfilment": "delivery", "district": "jimei"})

        def reserve_body(client: Client, k: int) -> str:
            # Each client has its model to itself among clients sharing it by index: the period
            # moves on every attempt, so units stay free (this measures the write, not refusals).
            start, end = period(k * args.clients + client.n)
            return json.dumps(
                {
                    "items": [{"model": client.model, "quantity": 1}],
                    "start": start,
                    "end": end,
                    "fulfilment": "collection",
                    "tier": "basic",
                }
            )

        phases = [
            ("GET catalogue", lambda c, k: ("GET", "/api/v1/catalogue/models/", None, 200)),
            ("POST quote", lambda c, k: ("POST", "/api/v1/quotes/", quote_body(c, k), 200)),
            (
                "POST quote, public",
                lambda c, k: ("POST", "/api/v1/quotes/", public_quote_body(c, k), 200, "anon"),
            ),
            (
                "POST reservation",
                lambda c, k: ("POST", "/api/v1/reservations/", reserve_body(c, k), 201),
            ),
            ("GET trivial", lambda c, k: ("GET", "/bench/trivial", None, 200)),
        ]
        results, cpu = [], {}
        load_before = load_average()
        for name, request in phases:
            print(f"  {name} for {args.seconds:.0f} s …", flush=True)
            server_before, client_before = (
                server_cpu_seconds(server.process.pid),
                time.process_time(),
            )
            results.append((name, *run_phase(server.port, clients, args.seconds, request)))
            cpu[name] = (
                server_cpu_seconds(server.process.pid) - server_before,
                time.process_time() - client_before,
            )
        load_after = load_average()
        server.stop()
        floor = next(len(o.latencies) / wall for name, o, wall in results if name == "GET trivial")
        print(
            f"\nFigures of {datetime.now():%Y-%m-%d %H:%M} ({args.clients} clients; load average"
            f" {load_before} before, {load_after} after):"
        )
        print(
            f"{'phase':<20}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'errors':>8}{'vs trivial':>12}{'server CPU ms/req':>19}{'client':>8}"
        )
        print("-" * 104)
        ok = True
        for name, outcome, wall in results:
            count = len(outcome.latencies)
            rate = count / wall
            errors = count - outcome.statuses.get("ok", 0)
            print(
                f"{name:<20}{count:>10,}{rate:>9.1f}{percentile(outcome.latencies, 0.5):>9.1f}"
                f"{percentile(outcome.latencies, 0.95):>9.1f}{errors:>8,}{rate / floor:>11.2f}x"
                f"{cpu[name][0] * 1000 / max(count, 1):>19.1f}"
                f"{cpu[name][1] * 1000 / max(count, 1):>8.1f}"
            )
            for kind, n in outcome.statuses.items():
                if kind != "ok":
                    ok = False
                    print(f"FAILED: {name}: {n} x {kind}: {outcome.samples.get(kind, '')}")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            database.drop()
        database.stop_embedded_if_started()
        if server is not None and not ok:
            print(f"gunicorn's log, {server.log}:\n{server.tail(20)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
