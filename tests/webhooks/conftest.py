"""Webhook test fixtures: a scripted receiver on 127.0.0.1, an endpoint registered for it, and
real Celery workers (SIGKILL-able) on a queue of the test's own with short retry pauses."""

from __future__ import annotations

import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import start_celery_worker, stop_celery_worker
from tests.webhooks.receiver import Receiver

WORKER_ENV = {
    "WEBHOOKS_RETRY_BASE_SECONDS": "0.5",
    "WEBHOOKS_TIMEOUT_SECONDS": "5",
    "WEBHOOKS_LEASE_MARGIN_SECONDS": "1",
}


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye to the broker or the database."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def endpoint_for(db):
    from rental.webhooks.models import AllowedHost, Endpoint

    def register(receiver: Receiver, events=("reservation.created",), **fields) -> Endpoint:
        AllowedHost.objects.get_or_create(host="127.0.0.1")
        return Endpoint.objects.create(
            name="ERP", url=receiver.url, events=list(events), secret="s3cret-" + "x" * 20, **fields
        )

    return register


@pytest.fixture
def webhook_workers(transactional_db, settings):
    from rental.celery import app

    queue = f"rental-test-webhooks-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    for name, value in WORKER_ENV.items():
        setattr(settings, name, float(value))
    workers: list[Worker] = []

    def start() -> Worker:
        process, log = start_celery_worker(
            name=f"webhooks-{len(workers)}", queue=queue, purge=False, **WORKER_ENV
        )
        worker = Worker(process=process, log=log)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        stop_celery_worker(worker.process)
    app.conf.task_default_queue = previous
