"""Fixtures shared by the whole suite: factories, a real Celery worker, a real headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it in a
# test are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _terms_version_1(request):
    """Transactional tests flush the database after them, and with it version 1 of the service
    terms that a migration writes; put it back, so every test finds the published terms in
    force as a real database always does."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from datetime import UTC, datetime

    from service_tickets.models import TermsVersion
    from service_tickets.terms import PUBLISHED_TERMS

    if not TermsVersion.objects.filter(version=1).exists():
        TermsVersion.objects.create(
            version=1,
            data=PUBLISHED_TERMS.to_dict(),
            effective_from=datetime(2000, 1, 1, tzinfo=UTC),
            note="DOMAIN.md published terms",
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing in the cache: no rate-limit count and no announcing window
    (contracts.services.reservations) left by the test before."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English leaves English active in
    the test's thread (LocaleMiddleware activates, nothing deactivates), and a service called
    directly by the next test would write its notes in it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def redis_cache(settings):
    """The cache as production has it, in the real Redis under a prefix of its own (the embedded
    run configures none, so the Redis every machine here runs), emptied afterwards. Yields a
    client of its own, as another process would see the keys, and the prefix."""
    import uuid

    import redis

    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = "redis://127.0.0.1:6379/0"
    prefix = f"test-cache-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "rental.core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    other_process = redis.Redis.from_url(url)
    yield other_process, prefix
    for key in other_process.keys(f"{prefix}:*"):
        other_process.delete(key)


@pytest.fixture(autouse=True)
def _live_server_idle_before_flush(request):
    """A browser test ends with its page closed, but the live server may still be answering the
    page's last request inside a transaction; the flush after the test would then TRUNCATE
    under it (CI saw a deadlock, and once a run that never ended). Wait until no other session
    of the test database is busy before the flush."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # so this teardown runs before its flush
    yield
    from django.db import connection

    def idle() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND (state = 'active' OR state LIKE 'idle in transaction%%')"
            )
            return cursor.fetchone()[0] == 0

    wait_for(idle, timeout=30, interval=0.05, message="the live server stayed busy after the test")


def _test_database_url(url: str | None = None) -> str:
    """The configured DATABASE_URL (or `url`), pointed at the test database pytest-django made."""
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings
    from django.db import connection

    parts = urlsplit(url or settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _test_database_env() -> dict[str, str]:
    """DATABASE_URL (the app role) and DATABASE_OWNER_URL for a process on the test database."""
    from django.conf import settings

    owner = settings.DATABASE_OWNER_URL or settings.DATABASE_URL
    return {"DATABASE_URL": _test_database_url(), "DATABASE_OWNER_URL": _test_database_url(owner)}


def start_celery_worker(
    *,
    name: str,
    queue: str | None = None,
    purge: bool = True,
    settings_module: str = "rental.settings.test",
    **extra_env,
) -> tuple[subprocess.Popen, Path]:
    """Start a real `celery worker` process on the configured broker and the test database and
    wait until it is ready. `purge` drops tasks left by earlier tests (which refer to rows that
    are gone); a worker restarted to finish a killed one's work must not purge."""
    from django.conf import settings

    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        **_test_database_env(),
        "CELERY_QUEUE": queue,
        **extra_env,
    }
    log = ROOT / "var" / f"test-worker-{name}-{os.getpid()}.log"
    log.parent.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "rental",
        "worker",
        "--pool",
        "solo",
        "-Q",
        queue,
        "-l",
        "info",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ] + (["--purge"] if purge else [])
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    _TEST_WORKERS.append((process, log))
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process, log


# The workers the running test started: a failure's report ends with what they logged (a worker
# that died, and why, is otherwise only in a file CI throws away).
_TEST_WORKERS: list[tuple[subprocess.Popen, Path]] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _TEST_WORKERS.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when == "call":
        for process, log in _TEST_WORKERS:
            state = "running" if process.poll() is None else f"exited with {process.returncode}"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            report.sections.append((f"Celery worker log {log.name} ({state}), last lines", tail))
    return report


def stop_celery_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def celery_worker(**options):
    """A real worker for the length of the block; yields (process, log path)."""
    process, log = start_celery_worker(**options)
    try:
        yield process, log
    finally:
        stop_celery_worker(process)


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real worker with the test settings."""
    with celery_worker(name="main") as (process, _log):
        yield process


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2, message: str = ""):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(message or "condition not met in time")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.exit(
            f"No Chromium at {CHROMIUM}: the browser tests need Debian's 'chromium' and "
            "'fonts-noto-cjk' (apt-get install chromium fonts-noto-cjk), or set CHROMIUM.",
            returncode=3,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


SCREENSHOTS = ROOT / "var" / "screenshots"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str = "correct-horse-battery") -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --- Figures the suite prints at the end (tamper statements refused, …) -----------------------
FIGURES: list[str] = []


def report_figure(line: str) -> None:
    """Print `line` in the summary at the end of the run (issue 10: figures in the test output)."""
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
