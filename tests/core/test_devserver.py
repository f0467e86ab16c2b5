"""`make run` (rental/devserver.py) runs the web server, a worker and beat; stopped by `kill` or a
closed terminal as by Ctrl-C, it takes all of them down with it, none left serving alone."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT, _test_database_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(todo.pop())], capture_output=True, text=True
        ).stdout
        children = {int(p) for p in out.split()}
        found |= children
        todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP])
def test_killed_it_stops_the_web_server_the_worker_and_beat(tmp_path, how):
    (tmp_path / ".demo-loaded").write_text("loaded\n")  # no demo company in the test database
    port = _free_port()
    env = {
        **os.environ,
        **_test_database_env(),
        "DJANGO_SETTINGS_MODULE": "rental.settings.test",
        "RENTAL_VAR_DIR": str(tmp_path),
        "CELERY_QUEUE": f"devserver-{port}",
        "PORT": str(port),
    }
    with (tmp_path / "run.log").open("w") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "rental.devserver"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: _answers(port) or run.poll() is not None,
            timeout=90,
            message="make run did not start serving",
        )
        assert run.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        wait_for(lambda: len(_descendants(run.pid)) >= 3, message="no worker and beat")
        family = _descendants(run.pid)

        run.send_signal(how)
        assert run.wait(timeout=60) == 0

        wait_for(
            lambda: not any(_alive(pid) for pid in family),
            message="a child of make run outlived it",
        )
        assert not _answers(port)
    finally:
        with contextlib.suppress(ProcessLookupError):  # nothing of this run is left behind
            os.killpg(run.pid, signal.SIGKILL)
