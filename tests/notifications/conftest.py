"""Fixtures of the notification tests: the Chinese catalogue, a worker with test backends."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, _test_database_url


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
            "notification_deliver[" in line and " succeeded in " in line
            for line in self.log.read_text().splitlines()
        )


@pytest.fixture
def notification_worker(transactional_db, tmp_path, flaky_sms_dir):
    """A real `celery worker` on the test database, writing e-mail to files, SMS via the flaky
    backend, retrying after 1 s and 2 s. Started like tests.conftest's celery_worker_process."""
    from django.conf import settings

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": _test_database_url(),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "NOTIFICATIONS_TEST_MAIL_DIR": str(mail_dir),
        "FLAKY_SMS_DIR": str(flaky_sms_dir),
    }
    log = ROOT / "var" / f"test-worker-notifications-{os.getpid()}.log"
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
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-l",
                "info",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--purge",  # tasks left by earlier tests refer to rows that are gone
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    yield NotificationWorker(process=process, log=log, mail_dir=mail_dir, sms_dir=flaky_sms_dir)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
