"""Fixtures of the notification tests: the Chinese catalogue, a worker with test backends."""

from __future__ import annotations

import email
import email.policy
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import celery_worker


@pytest.fixture
def flaky_sms_dir(tmp_path, monkeypatch) -> Path:
    """The shared state of tests.notifications.flaky's backends (this process and the worker)."""
    state = tmp_path / "sms"
    state.mkdir()
    monkeypatch.setenv("FLAKY_SMS_DIR", str(state))
    return state


@dataclass
class NotificationWorker:
    process: subprocess.Popen
    log: Path
    mail_dir: Path
    sms_dir: Path

    def mails(self) -> list[email.message.EmailMessage]:
        """Every e-mail the worker wrote, parsed."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return messages

    def deliveries_finished(self) -> int:
        """How many delivery tasks the worker ran to the end (a retry does not count)."""
        return sum(
            ("notification_deliver[" in line or "notifications_deliver[" in line)
            and " succeeded in " in line
            for line in self.log.read_text().splitlines()
        )


@pytest.fixture
def notification_worker(transactional_db, tmp_path, flaky_sms_dir):
    """A real `celery worker` on the test database, writing e-mail to files, SMS via the flaky
    backend, retrying after 1 s and 2 s. Started like tests.conftest's celery_worker_process."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with celery_worker(
        name="notifications",
        settings_module="tests.notifications.worker_settings",
        NOTIFICATIONS_TEST_MAIL_DIR=str(mail_dir),
        FLAKY_SMS_DIR=str(flaky_sms_dir),
    ) as (process, log):
        yield NotificationWorker(process=process, log=log, mail_dir=mail_dir, sms_dir=flaky_sms_dir)


@pytest.fixture
def restartable_notification_workers(transactional_db, tmp_path, flaky_sms_dir, settings):
    """Real workers like `notification_worker`, on a queue only this test uses, that the test may
    SIGKILL and start again: a fresh one is handed the killed one's unfinished task after 2 s
    (a short broker visibility timeout), as a deployment's next worker is after an hour."""
    import signal
    import uuid

    from rental.celery import app
    from tests.conftest import start_celery_worker, stop_celery_worker

    queue = f"rental-test-notify-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    started: list[subprocess.Popen] = []

    def start() -> NotificationWorker:
        process, log = start_celery_worker(
            name=f"notify-{len(started)}",
            queue=queue,
            purge=False,  # a fresh worker must find the killed one's task
            settings_module="tests.notifications.worker_settings",
            NOTIFICATIONS_TEST_MAIL_DIR=str(mail_dir),
            FLAKY_SMS_DIR=str(flaky_sms_dir),
            NOTIFICATIONS_TEST_VISIBILITY_TIMEOUT="2",
        )
        started.append(process)
        return NotificationWorker(
            process=process, log=log, mail_dir=mail_dir, sms_dir=flaky_sms_dir
        )

    def kill(worker: NotificationWorker) -> None:
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)

    start.kill = kill
    yield start
    for process in started:
        stop_celery_worker(process)
    app.conf.task_default_queue = previous
