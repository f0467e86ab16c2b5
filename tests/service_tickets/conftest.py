"""Fixtures of the service-ticket tests: the app's URLs, and real Celery workers on a queue of
their own that a test may start, SIGKILL and start again."""

from __future__ import annotations

import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import start_celery_worker, stop_celery_worker


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye to the broker or the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_celery_worker(self.process)


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
        # Not purged: a worker started after a killed one must find its unfinished task.
        process, log = start_celery_worker(name=f"tickets-{len(workers)}", queue=queue, purge=False)
        worker = Worker(process=process, log=log)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    app.conf.task_default_queue = previous
