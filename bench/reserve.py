"""Benchmark of reserving over HTTP: many clients against a real gunicorn, half of them competing.

Builds a database of its own, `rental_bench_reserve` (plus $BENCH_DB_SUFFIX), on the configured
PostgreSQL server (dropped at the end unless --keep), migrates it, and seeds one customer login
per client, one model of 5 units that the "contended" half of the clients all reserve for
overlapping periods, and one model of 20 units for each client of the other half. Then it starts
gunicorn with the production config (rental/gunicorn.conf.py; --workers, --threads and
--worker-class override it) and bench.settings on 127.0.0.1, and runs four phases with the same
clients, each a thread with its own connection:

- reserve: POST /reservations/new/ for the whole --seconds; a 302 to the new reservation is a
  hold, a 400 saying the units are not free is a refusal, anything else is an error; then,
  untimed, the workers' part of those reservations (telling each customer and the front desk)
  run in this process, its CPU per reservation printed beside the page's;
- bare: POST /bench/bare-reserve (bench/urls.py, never in the app) with the same form for
  --bare-seconds: lock free units with SKIP LOCKED and insert their calendar holds, nothing else
  (no login, quote, reservation, audit or notification): the floor of a reservation;
- signed-in form: POST /bench/signed-in-form with the same form for --form-seconds: the session
  and user read, CSRF, the reservation form validated (its models read), a message and a redirect,
  and nothing reserved: what Django costs for any signed-in customer's form, the floor of the
  reservation page (bare reserve is the floor of its database work);
- trivial: GET /bench/trivial (a view returning "ok") for --trivial-seconds, the floor of any
  request.

By default the four phases run with keep-alive connections and then again with a new
connection per request (--connections both|keepalive|close). It prints requests, requests/s,
p50/p95 latency and outcomes of each phase, the ratios reserve/bare (target ≥ 0.5),
reserve/signed-in form and reserve/trivial, the p95 of reserving (target < 500 ms at 50
clients), the units held twice in overlapping periods (from SQL: must be 0) and the load average
(figures from a shared machine are low). Exits with status 1 on any double-booked unit, any 5xx,
or any other unexpected response.

    python bench/reserve.py [--clients 50] [--seconds 60] [--bare-seconds 30]
                            [--form-seconds 15] [--trivial-seconds 15] [--connections both]
                            [--workers N] [--threads N] [--worker-class gthread] [--keep]

A new connection per request is what a proxy in front of gunicorn makes; with keep-alive,
gunicorn's workers keep the connections they accepted, so some clients are served far more often
than others (the per-client spread is printed, with each process's answers and the clients it
served most).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import (  # noqa: E402
    HOST,
    BenchDatabase,
    CpuMeter,
    Gunicorn,
    load_dotenv,
    manage,
    percentile,
)

# BENCH_DB_SUFFIX lets several people bench on one server without dropping each other's database.
BENCH_DB = "rental_bench_reserve" + os.environ.get("BENCH_DB_SUFFIX", "")
SETTINGS = "bench.settings"
GUNICORN_CONFIG = "rental/gunicorn.conf.py"  # the production settings, as the README runs them
SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTENDED_UNITS = 5
OWN_UNITS = 20
# The contended half aims at a 2-day window that moves one day later every this many attempts,
# so its clients keep racing for the same few free units instead of filling the calendar once.
CONTENDED_ATTEMPTS_PER_DAY = 12
HORIZON_DAYS = 300
NEW_RESERVATION = "/reservations/new/"
TRIVIAL = "/bench/trivial"
PROCESS_HEADER = "X-Bench-Process"  # bench.urls.process_tag: which gunicorn process answered
BARE = "/bench/bare-reserve"
SIGNED_IN = "/bench/signed-in-form"
_HELD = re.compile(r"^/reservations/[^/]+/$")
# NotEnoughUnits, in Chinese (the default language) or English.
_NOT_FREE = re.compile(r"中只有 \d+ 台空闲|you asked for are free")
_TAGS = re.compile(r"<[^>]+>|\s+")


# --- Seeding --------------------------------------------------------------------------------


def resident_id(n: int) -> str:
    """A valid (checksummed) resident ID number; the same construction as tests.factories."""
    from stdnum.cn import ric

    body = f"35020319900101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Client:
    n: int
    contended: bool
    model_id: int
    session: str
    csrf: str = ""


def seed(clients: int) -> list[Client]:
    """Customers with a login each, the contended model and one model per uncontended client."""
    from decimal import Decimal
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.db import transaction

    from catalog.models import Asset, Brand, Category, Depot, EquipmentModel
    from contracts.models import Customer
    from rental.accounts.models import User
    from rental.core import policy

    session_store = import_module(settings.SESSION_ENGINE).SessionStore
    contended_count = clients // 2
    with transaction.atomic():
        policy.current()
        category = Category.objects.create(slug="laptops", name_zh="笔记本电脑", name_en="Laptops")
        brand = Brand.objects.create(slug="bench", name="Bench")
        depot = Depot.objects.create(name="厦门总部")

        def model(slug: str, units: int) -> EquipmentModel:
            m = EquipmentModel.objects.create(
                category=category,
                brand=brand,
                name=slug,
                slug=slug,
                specs={"cpu": "Intel Core i5", "ram_gb": 16},
                replacement_value=Decimal("6000"),
                hour_rate=Decimal("5"),
                day_rate=Decimal("30"),
                week_rate=Decimal("150"),
                month_rate=Decimal("400"),
            )
            Asset.objects.bulk_create(
                Asset(
                    model=m,
                    serial_number=f"SN-{slug}-{u}",
                    asset_tag=f"XSS-{slug}-{u:03d}"[:32],
                    depot=depot,
                )
                for u in range(units)
            )
            return m

        shared = model("shared", CONTENDED_UNITS)
        # The front desk hears of every reservation, as in production.
        desk = User.objects.create(
            username="bench-desk",
            email="desk@bench.example",
            role=User.Role.STAFF,
            is_staff=True,
        )
        desk.groups.add(Group.objects.get(name=User.StaffGroup.FRONT_DESK))
        result = []
        for n in range(clients):
            user = User(username=f"bench{n}", email=f"bench{n}@bench.example")
            user.set_unusable_password()
            user.save()
            Customer.objects.create(
                kind=Customer.Kind.INDIVIDUAL,
                user=user,
                name=f"客户{n}",
                phone=f"+86138{n:08d}",
                email=user.email,
                resident_id=resident_id(n),
            )
            contended = n < contended_count
            own = shared if contended else model(f"own-{n}", OWN_UNITS)
            session = session_store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "rental.accounts.backends.UserBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            result.append(Client(n, contended, own.pk, session.session_key))
    return result


# --- Clients --------------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # ms
    statuses: dict[str, int] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # one body per unexpected outcome
    reconnects: int = 0
    processes: dict[str, int] = field(default_factory=dict)  # answers by gunicorn process id

    def add(self, kind: str, ms: float | None, sample: str = "") -> None:
        if ms is not None:
            self.latencies.append(ms)
        self.statuses[kind] = self.statuses.get(kind, 0) + 1
        if sample and kind not in self.samples:
            self.samples[kind] = sample

    def merge(self, other: Outcome) -> None:
        self.latencies += other.latencies
        for kind, count in other.statuses.items():
            self.statuses[kind] = self.statuses.get(kind, 0) + count
        for kind, sample in other.samples.items():
            self.samples.setdefault(kind, sample)
        self.reconnects += other.reconnects
        for pid, count in other.processes.items():
            self.processes[pid] = self.processes.get(pid, 0) + count


class Connection:
    """One keep-alive connection; reconnects once when the server has closed it."""

    def __init__(self, port: int, client: Client, *, keepalive: bool = True):
        self.port = port
        self.client = client
        self.keepalive = keepalive
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def cookies(self) -> str:
        cookie = f"sessionid={self.client.session}"
        return cookie + (f"; csrftoken={self.client.csrf}" if self.client.csrf else "")

    def send(self, method: str, path: str, body: str | None, outcome: Outcome):
        headers = {"Cookie": self.cookies()}
        if not self.keepalive:
            headers["Connection"] = "close"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.client.csrf
        for attempt in (1, 2):
            began = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the idle connection before reading the request.
                self.conn.close()
                if attempt == 2:
                    raise
                outcome.reconnects += 1
                continue
            if response.will_close:
                self.conn.close()
            return response, data, (time.perf_counter() - began) * 1000
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def fetch_csrf(port: int, client: Client) -> None:
    """GET the reservation form once: it must render, and it sets the CSRF cookie."""
    conn = Connection(port, client)
    response, data, _ = conn.send("GET", NEW_RESERVATION, None, Outcome())
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {NEW_RESERVATION} for client {client.n}: {response.status}")
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    if "csrftoken" not in jar:
        raise RuntimeError(f"GET {NEW_RESERVATION} set no csrftoken cookie")
    client.csrf = jar["csrftoken"].value


def _period(start: datetime, hours: int) -> dict[str, str]:
    end = start + timedelta(hours=hours)
    return {
        "start_date": start.date().isoformat(),
        "start_hour": str(start.hour),
        "end_date": end.date().isoformat(),
        "end_hour": str(end.hour),
    }


class ReserveWork:
    """What each client asks for; the contended half shares a moving window of days."""

    def __init__(self, today: date):
        self.midnight = datetime.combine(today, datetime.min.time(), tzinfo=SHANGHAI)
        self.contended_attempts = itertools.count()

    def body(self, client: Client, rng: random.Random) -> str:
        if client.contended:
            k = next(self.contended_attempts)
            day = 2 + (k // CONTENDED_ATTEMPTS_PER_DAY) % (HORIZON_DAYS - 10) + rng.randrange(2)
            hours, quantity = rng.randrange(4, 37), rng.choice((1, 1, 2))
        else:
            day = 2 + rng.randrange(HORIZON_DAYS)
            hours, quantity = rng.randrange(4, 73), rng.randrange(1, 4)
        start = self.midnight + timedelta(days=day, hours=rng.randrange(24))
        fields = {
            "model_0": str(client.model_id),
            "quantity_0": str(quantity),
            **_period(start, hours),
            "fulfilment": "collection",
            "tier": "basic",
        }
        return urlencode(fields)


def classify_reserve(response: http.client.HTTPResponse, data: bytes) -> tuple[str, str]:
    status = response.status
    if status == 302 and _HELD.match(response.getheader("Location", "")):
        return "held", ""
    text = data.decode("utf-8", "replace")
    if status == 400 and _NOT_FREE.search(text):
        return "not free", ""
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
    detail = _TAGS.sub(" ", " | ".join(errors) or text[:300]).strip()
    location = response.getheader("Location", "")
    return f"{status}", f"{status} {location} {detail}"[:400]


def classify_form(response: http.client.HTTPResponse, data: bytes) -> tuple[str, str]:
    if response.status == 302 and response.getheader("Location", "") == TRIVIAL:
        return "ok", ""
    return f"{response.status}", f"{response.status} {data[:200]!r}"


def classify_trivial(response: http.client.HTTPResponse, data: bytes) -> tuple[str, str]:
    if response.status == 200 and data == b"ok":
        return "ok", ""
    return f"{response.status}", f"{response.status} {data[:200]!r}"


@dataclass
class Phase:
    name: str
    seconds: float
    wall: float
    outcome: Outcome
    by_half: dict[bool, Outcome]
    by_client: list[Outcome]
    cpu: dict[str, float] = field(default_factory=dict)  # seconds: server, database, client

    @property
    def per_client(self) -> list[int]:
        """Requests each client completed: shows how evenly they were served."""
        return [sum(o.statuses.values()) for o in self.by_client]

    def split(self) -> str:
        """How the gunicorn processes shared the phase: each one's answers, and the clients it
        served most with their median requests. With keep-alive a process keeps the connections
        it accepted, so an uneven split here is an uneven p95."""
        groups: dict[str, list[int]] = {}
        for outcome in self.by_client:
            if outcome.processes:
                mostly = max(outcome.processes, key=outcome.processes.__getitem__)
                groups.setdefault(mostly, []).append(sum(outcome.statuses.values()))
        parts = []
        for pid, answers in sorted(self.outcome.processes.items(), key=lambda kv: -kv[1]):
            served = sorted(groups.get(pid, []))
            median = served[len(served) // 2] if served else 0
            parts.append(f"{answers:,} answers, {len(served)} clients (median {median:,})")
        return "; ".join(parts)

    @property
    def requests(self) -> int:
        return sum(self.outcome.statuses.values())

    def cpu_ms(self, side: str) -> float:
        """CPU milliseconds per request of one side (server, database, client)."""
        return self.cpu.get(side, 0.0) * 1000 / self.requests if self.requests else 0.0


def run_phase(
    name: str,
    *,
    port: int,
    clients: list[Client],
    seconds: float,
    max_requests: int,
    request,  # (client, rng) -> (method, path, body)
    classify,
    keepalive: bool,
    meter: CpuMeter | None = None,
) -> Phase:
    outcomes = [Outcome() for _ in clients]
    budget = itertools.count()
    start_line = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(i: int, client: Client) -> None:
        rng = random.Random(f"{name}:{client.n}")
        conn = Connection(port, client, keepalive=keepalive)
        outcome = outcomes[i]
        start_line.wait()
        try:
            while time.perf_counter() < deadline[0] and next(budget) < max_requests:
                method, path, body = request(client, rng)
                try:
                    response, data, ms = conn.send(method, path, body, outcome)
                except (OSError, http.client.HTTPException) as exc:
                    outcome.add("transport", None, f"transport {exc!r}")
                    conn.close()
                    continue
                kind, sample = classify(response, data)
                outcome.add(kind, ms, sample)
                pid = response.getheader(PROCESS_HEADER, "?")
                outcome.processes[pid] = outcome.processes.get(pid, 0) + 1
        finally:
            conn.close()

    threads = [
        threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    if meter:
        meter.start()
    client_cpu = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_line.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    cpu = meter.stop() if meter else {}
    cpu["client"] = time.process_time() - client_cpu
    total, halves = Outcome(), {True: Outcome(), False: Outcome()}
    for client, outcome in zip(clients, outcomes, strict=True):
        total.merge(outcome)
        halves[client.contended].merge(outcome)
    return Phase(name, seconds, wall, total, halves, outcomes, cpu)


# --- After the run --------------------------------------------------------------------------


def database_checks() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(DISTINCT a.asset_id), count(*)
               FROM catalog_calendarentry a JOIN catalog_calendarentry b
                 ON a.asset_id = b.asset_id AND a.id < b.id AND a.blocked && b.blocked
               WHERE a.is_active AND b.is_active"""
        )
        units, pairs = cur.fetchone()
        cur.execute("SELECT count(*) FROM contracts_reservation")
        reservations = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM catalog_calendarentry WHERE is_active")
        entries = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'catalog_calendar_no_overlap'"
            " AND contype = 'x'"
        )
        constraint = cur.fetchone()[0]
    return {
        "double-booked units": units,
        "overlapping pairs": pairs,
        "reservations": reservations,
        "held entries": entries,
        "constraint": constraint,
    }


def row(
    label: str, clients: int, wall: float, outcome: Outcome, good: str, refused: str | None
) -> str:
    s = outcome.statuses
    errors = sum(n for kind, n in s.items() if kind not in (good, refused))
    requests = sum(s.values())
    refusals = f"{s.get(refused, 0):,}" if refused else "-"
    return (
        f"{label:<22}{clients:>8}{requests:>10,}{requests / wall:>9.1f}"
        f"{percentile(outcome.latencies, 0.50):>9.1f}{percentile(outcome.latencies, 0.95):>9.1f}"
        f"{s.get(good, 0):>10,}{refusals:>10}{errors:>8,}"
    )


@dataclass
class Announcing:
    """The worker's part of the reservations of a reserve phase, measured after it: telling each
    customer and the front desk (contracts.services.reservation_announce), run in this process."""

    reservations: int
    python: float  # seconds of this process's CPU
    database: float  # seconds of the PostgreSQL backends' CPU

    def ms(self, seconds: float) -> float:
        return seconds * 1000 / self.reservations if self.reservations else 0.0


def announce_all(meter: CpuMeter) -> Announcing:
    """Announce every reservation not yet announced, as the workers would after the phase."""
    from django.db import connection
    from django.utils import timezone

    from contracts.services import reservations_announce_due

    meter.start()
    cpu = time.process_time()
    count = reservations_announce_due(now=timezone.now() + timedelta(days=1))
    python = time.process_time() - cpu
    database = meter.stop()["database"]
    connection.close()
    return Announcing(count, python, database)


@dataclass
class Mode:
    """The three phases run with one kind of connection."""

    keepalive: bool
    reserve: Phase
    bare: Phase
    form: Phase
    trivial: Phase
    warm_up_held: int = 0  # reservations made by the untimed warm-up
    announcing: Announcing | None = None

    @property
    def label(self) -> str:
        return "keep-alive connections" if self.keepalive else "a new connection per request"


def rate(phase: Phase) -> float:
    return sum(phase.outcome.statuses.values()) / phase.wall if phase.wall else 0.0


def report(modes: list[Mode], checks: dict[str, int], clients: list[Client]) -> bool:
    contended = sum(c.contended for c in clients)
    for mode in modes:
        reserve, bare, form, trivial = mode.reserve, mode.bare, mode.form, mode.trivial
        print(
            f"\n{mode.label}:\n{'phase':<22}{'clients':>8}{'requests':>10}{'req/s':>9}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'ok':>10}{'not free':>10}{'errors':>8}"
        )
        print("-" * 95)
        rows = [
            (f"reserve, {reserve.seconds:.0f} s", len(clients), reserve, reserve.outcome, "held"),
            ("  contended half", contended, reserve, reserve.by_half[True], "held"),
            ("  own-model half", len(clients) - contended, reserve, reserve.by_half[False], "held"),
            (f"bare reserve, {bare.seconds:.0f} s", len(clients), bare, bare.outcome, "held"),
            (f"signed-in form, {form.seconds:.0f} s", len(clients), form, form.outcome, "ok"),
            (f"trivial, {trivial.seconds:.0f} s", len(clients), trivial, trivial.outcome, "ok"),
        ]
        for label, count, phase, outcome, good in rows:
            refused = None if phase in (form, trivial) else "not free"
            print(row(label, count, phase.wall, outcome, good, refused))
        print("-" * 95)
        print(
            "CPU per request, ms (load-independent; the machine has"
            f" {os.cpu_count()} cores):\n{'phase':<22}{'gunicorn':>10}{'postgres':>10}"
            f"{'client':>10}{'all':>10}{'max req/s':>11}"
        )
        for phase in (reserve, bare, form, trivial):
            server, db, client = (phase.cpu_ms(s) for s in ("server", "database", "client"))
            total = server + db + client
            ceiling = (os.cpu_count() or 1) * 1000 / total if total else 0.0
            print(
                f"{phase.name:<22}{server:>10.2f}{db:>10.2f}{client:>10.2f}{total:>10.2f}"
                f"{ceiling:>11.0f}"
            )
        if (told := mode.announcing) and told.reservations:
            python, db = told.ms(told.python), told.ms(told.database)
            print(
                f"{'+ announcing':<22}{python:>10.2f}{db:>10.2f}{'':>10}{python + db:>10.2f}"
                f"  (the worker's, per reservation: {told.reservations:,} announced after the"
                " phase)"
            )
        print("(max req/s: what the cores allow at that CPU cost, if nothing else ran)")
        print("-" * 95)
        r, b, f, t = rate(reserve), rate(bare), rate(form), rate(trivial)
        p95 = percentile(reserve.outcome.latencies, 0.95)
        if b:
            print(
                f"reserve / bare floor: {r:.1f} / {b:.1f} req/s = {r / b:.2f}"
                f" (target ≥ 0.50: {'met' if r / b >= 0.5 else 'MISSED'});"
                f" reserve p95 {p95:.0f} ms (target < 500 ms at 50 clients:"
                f" {'met' if p95 < 500 else 'MISSED'})"
            )
        cpu_r = sum(reserve.cpu_ms(s) for s in ("server", "database"))
        cpu_b = sum(bare.cpu_ms(s) for s in ("server", "database"))
        if cpu_r:
            print(
                f"by CPU (gunicorn + postgres per request): bare / reserve ="
                f" {cpu_b:.2f} / {cpu_r:.2f} ms = {cpu_b / cpu_r:.2f}"
                " (the ratio a quiet machine would show if the server were the only load)"
            )
            if (told := mode.announcing) and told.reservations:
                whole = cpu_r + told.ms(told.python) + told.ms(told.database)
                print(
                    f"with the worker's announcing: bare / reserve = {cpu_b:.2f} / {whole:.2f} ms"
                    f" = {cpu_b / whole:.2f} (the page and its notices on one machine)"
                )
        cpu_f = sum(form.cpu_ms(s) for s in ("server", "database"))
        if f and cpu_r:
            print(
                f"reserve / signed-in form floor: {r:.1f} / {f:.1f} req/s = {r / f:.2f};"
                f" by CPU {cpu_f:.2f} / {cpu_r:.2f} ms = {cpu_f / cpu_r:.2f}"
                f" (the form floor alone is {cpu_f / cpu_b if cpu_b else 0:.2f}x the bare floor)"
            )
        if t:
            print(
                f"reserve / trivial floor: {r:.1f} / {t:.1f} req/s = {r / t:.3f}"
                f" ({t / r if r else float('inf'):.1f}x slower)"
            )
        for phase in (reserve, bare, form, trivial):
            spread = sorted(phase.per_client)
            print(
                f"{phase.name} requests per client: min {spread[0]:,}, "
                f"median {spread[len(spread) // 2]:,}, max {spread[-1]:,};"
                f" by process: {phase.split()}"
            )
        reconnects = sum(p.outcome.reconnects for p in (reserve, bare, form, trivial))
        if reconnects:
            print(f"(reopened {reconnects} keep-alive connections the server had closed)")

    held = sum(m.reserve.outcome.statuses.get("held", 0) + m.warm_up_held for m in modes)
    bare_held = sum(m.bare.outcome.statuses.get("held", 0) for m in modes)
    print(
        f"\ndouble-booked units: {checks['double-booked units']} "
        f"({checks['overlapping pairs']} overlapping pairs of active entries; "
        f"exclusion constraint catalog_calendar_no_overlap present: "
        f"{'yes' if checks['constraint'] else 'NO'})"
    )
    print(
        f"reservations in the database: {checks['reservations']:,} "
        f"(302 responses, warm-up included: {held:,});"
        f" active calendar entries: {checks['held entries']:,} (bare holds: {bare_held:,})"
    )
    ok = True
    if checks["double-booked units"]:
        print(f"FAILED: double-booked units: {checks['double-booked units']}.")
        ok = False
    for mode in modes:
        for phase, good, refused in (
            (mode.reserve, "held", "not free"),
            (mode.bare, "held", "not free"),
            (mode.form, "ok", None),
            (mode.trivial, "ok", None),
        ):
            for kind, count in sorted(phase.outcome.statuses.items()):
                if kind in (good, refused):
                    continue
                loud = "SERVER ERROR" if kind.startswith("5") else "unexpected"
                print(
                    f"FAILED: {phase.name} ({mode.label}): {count} x {loud} {kind}:"
                    f" {phase.outcome.samples[kind]}"
                )
                ok = False
    if checks["reservations"] != held:
        print(f"NOTE: {checks['reservations']} reservations were made but {held} 302s were seen.")
    return ok


def classify_bare(response: http.client.HTTPResponse, data: bytes) -> tuple[str, str]:
    if response.status == 201 and data == b"held":
        return "held", ""
    if response.status == 409 and data == b"not free":
        return "not free", ""
    return f"{response.status}", f"{response.status} {data[:200]!r}"


# The days one mode's phases book (reserve, bare floor, warm-up); the next mode books after them.
MODE_DAYS = 3 * HORIZON_DAYS + 100


def run_mode(server, clients: list[Client], args, *, keepalive: bool, order: int) -> Mode:
    """Reserve, then the bare floor, then the trivial view, with the same clients.

    Each mode books a calendar of its own (`order`): the second mode aiming at the windows the
    first one filled would see the contended half refused almost every time, and measure
    refusals instead of reservations."""
    today = datetime.now(SHANGHAI).date() + timedelta(days=order * MODE_DAYS)
    work = ReserveWork(today)
    # The bare floor books a calendar of its own, later than any reservation's, so that neither
    # phase finds the other's holds in its way.
    bare_work = ReserveWork(today + timedelta(days=HORIZON_DAYS + 20))
    kind = "keep-alive" if keepalive else "no keep-alive"
    common = {
        "port": server.port,
        "clients": clients,
        "max_requests": args.max_requests,
        "meter": CpuMeter(server.process.pid, BENCH_DB),
    }
    # Untimed: every worker thread's first reservation compiles templates, loads catalogues and
    # opens its database connection; under a busy machine that takes seconds.
    warm = ReserveWork(today + timedelta(days=2 * HORIZON_DAYS + 40))
    warmed = []
    for path, classify in ((NEW_RESERVATION, classify_reserve), (BARE, classify_bare)):
        warmed.append(
            run_phase(
                "warm-up",
                seconds=60,
                request=lambda c, rng, path=path: ("POST", path, warm.body(c, rng)),
                classify=classify,
                keepalive=keepalive,
                port=server.port,
                clients=clients,
                max_requests=2 * len(clients),
            )
        )
    # name, seconds, method, path, what makes the body, how a response is counted
    phases = (
        ("reserve", args.seconds, "POST", NEW_RESERVATION, work, classify_reserve),
        ("bare", args.bare_seconds, "POST", BARE, bare_work, classify_bare),
        ("signed-in form", args.form_seconds, "POST", SIGNED_IN, work, classify_form),
        ("trivial", args.trivial_seconds, "GET", TRIVIAL, None, classify_trivial),
    )
    results = []
    announcing = None
    for name, seconds, method, path, body, classify in phases:
        if name == "bare":
            # The warm-up's reservations are announced too, and counted.
            announcing = announce_all(common["meter"])
        print(f"  [{kind}] {name} phase for {seconds:.0f} s …", flush=True)
        results.append(
            run_phase(
                name,
                seconds=seconds,
                request=lambda c, rng, method=method, path=path, body=body: (
                    method,
                    path,
                    body.body(c, rng) if body else None,
                ),
                classify=classify,
                keepalive=keepalive,
                **common,
            )
        )
    reserve, bare, form, trivial = results
    held = warmed[0].outcome.statuses.get("held", 0)
    return Mode(keepalive, reserve, bare, form, trivial, held, announcing)


# --- Main -----------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="reserve phase (default 60)")
    parser.add_argument(
        "--trivial-seconds", type=float, default=15, help="trivial-view phase (default 15)"
    )
    parser.add_argument(
        "--max-requests", type=int, default=1_000_000, help="cap per phase (default 1,000,000)"
    )
    parser.add_argument(
        "--bare-seconds", type=float, default=30, help="bare-reservation phase (default 30)"
    )
    parser.add_argument(
        "--form-seconds", type=float, default=15, help="signed-in form phase (default 15)"
    )
    parser.add_argument(
        "--workers", type=int, help=f"gunicorn workers (default: {GUNICORN_CONFIG}'s)"
    )
    parser.add_argument("--threads", type=int, help="threads per worker (default: the config's)")
    parser.add_argument(
        "--worker-class", help="gunicorn worker class, sync or gthread (default: the config's)"
    )
    parser.add_argument(
        "--connections",
        choices=("both", "keepalive", "close"),
        default="both",
        help="keep-alive connections, a new connection per request (as a proxy in front of"
        " gunicorn makes), or both one after the other (default)",
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()
    if args.clients < 2:
        parser.error("--clients must be at least 2")

    # Stopped from outside (timeout, kill): still stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_dotenv()
    print(f"bench/reserve.py: building database {BENCH_DB} …", flush=True)
    began = time.perf_counter()
    database = BenchDatabase(BENCH_DB)
    database.recreate()
    env = {**os.environ, "DATABASE_URL": database.url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    os.environ.update(DATABASE_URL=database.url, DJANGO_SETTINGS_MODULE=SETTINGS)
    server = None
    ok = False
    try:
        manage("migrate", "--noinput", "-v", "0", env=env)
        import django

        django.setup()
        from django.db import connection

        clients = seed(args.clients)
        contended = sum(c.contended for c in clients)
        print(
            f"  {args.clients} customers: {contended} share one model of {CONTENDED_UNITS} units,"
            f" {args.clients - contended} have a model of {OWN_UNITS} units each;"
            f" built in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        connection.close()

        server = Gunicorn(
            env=env,
            config=GUNICORN_CONFIG,
            workers=args.workers,
            threads=args.threads,
            worker_class=args.worker_class,
        )
        server.wait_ready(TRIVIAL)
        conf = server.effective_config()
        print(
            f"  gunicorn -c {GUNICORN_CONFIG} rental.wsgi ({SETTINGS}) on {HOST}:{server.port}:"
            f" {conf['worker_class']}, {conf['workers']} workers x {conf['threads']} threads;"
            f" {os.cpu_count()} CPUs; load average {_load()}",
            flush=True,
        )
        for client in clients:
            fetch_csrf(server.port, client)

        keepalives = {"both": (True, False), "keepalive": (True,), "close": (False,)}
        modes = [
            run_mode(server, clients, args, keepalive=k, order=n)
            for n, k in enumerate(keepalives[args.connections])
        ]
        server.stop()
        print(
            f"\nFigures of {datetime.now():%Y-%m-%d %H:%M} ({conf['worker_class']},"
            f" {conf['workers']} workers x {conf['threads']} threads; load average {_load()}):"
        )
        ok = report(modes, database_checks(), clients)
        connection.close()
    finally:
        # Clean up first and talk after, so a closed stdout cannot leave anything behind.
        if server is not None:
            server.stop()
        if not args.keep:
            database.drop()
        stopped = database.stop_embedded_if_started()
        if server is not None:
            if ok:
                server.log.unlink(missing_ok=True)
            else:
                print(f"gunicorn's log, {server.log}:\n{server.tail(20)}")
        if args.keep:
            print(f"\nKept database {BENCH_DB}.")
        if stopped:
            print("Stopped the embedded PostgreSQL this benchmark started.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
