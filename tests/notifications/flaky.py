"""Test-only SMS backends, loaded by dotted path in the test process and in the test worker.

They keep their state in files under $FLAKY_SMS_DIR, so the test and the worker process share it:
`fail_first` holds how many sends fail before one succeeds, `stall_at` the number of the attempt
that hangs (for a minute, before sending: long enough for a test to kill the worker there),
`attempts.log` gets a line per call and `sent.log` a line per message actually sent.
"""

import os
import time
from pathlib import Path

from rental.notifications.backends import PermanentDeliveryError, SmsBackend


def _state_dir() -> Path:
    return Path(os.environ["FLAKY_SMS_DIR"])


class FlakySmsBackend(SmsBackend):
    """Fails the first `fail_first` sends with a connection error, then sends."""

    def send(self, phone, text, *, event="", params=None):
        state = _state_dir()
        fail_file = state / "fail_first"
        fail_first = int(fail_file.read_text()) if fail_file.exists() else 0
        with (state / "attempts.log").open("a", encoding="utf-8") as log:
            log.write(f"{phone}\n")
        attempts = len((state / "attempts.log").read_text().splitlines())
        stall_file = state / "stall_at"
        if stall_file.exists() and attempts == int(stall_file.read_text()):
            time.sleep(60)
        if attempts <= fail_first:
            raise ConnectionError(f"provider unreachable (attempt {attempts})")
        with (state / "sent.log").open("a", encoding="utf-8") as log:
            log.write(f"{phone}\t{event}\t{text}\n")
        return f"flaky-{attempts}"


class RejectingSmsBackend(SmsBackend):
    """Refuses every number, as a provider does for an invalid one."""

    def send(self, phone, text, *, event="", params=None):
        raise PermanentDeliveryError("isv.MOBILE_NUMBER_ILLEGAL")


def sent_lines() -> list[str]:
    path = _state_dir() / "sent.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def attempt_count() -> int:
    path = _state_dir() / "attempts.log"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def sms_dir() -> Path:
    return _state_dir()
