"""Fixtures of the service-ticket tests: the app's URLs, and real Celery workers on a queue of
their own that a test may start, SIGKILL and start again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from tests.conftest import ROOT, _test_database_url


@pytest.fixture(autouse=True)
def _ticket_urls(settings):
    """Until rental/urls.py includes service_tickets.urls, serve them from a test URLconf."""
    try:
        reverse("service_tickets:tech_list")
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.service_tickets.urls"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye to the broker or the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def ticket_workers(transactional_db, settings):
    """Start real `celery worker` processes on the test database and a queue only this test uses
    (so no other checkout's worker takes its tasks); `start()` returns a running Worker."""
    from rental.celery import app

    queue = f"rental-test-tickets-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    workers: list[Worker] = []

    def start() -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "rental.settings.test",
            "DATABASE_URL": _test_database_url(),
            "CELERY_QUEUE": queue,
        }
        log = ROOT / "var" / f"test-worker-tickets-{os.getpid()}-{len(workers)}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("w") as out:
            process = subprocess.Popen(
                [
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
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process=process, log=log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"The Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_default_queue = previous
