"""The file-system broker (used when no broker is configured): a worker never sees a message half
written, and one sender's messages come out in the order it sent them."""

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from rental.core.filebroker import Transport

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker(tmp_path):
    folder = str(tmp_path)
    options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
        yield conn, tmp_path


def test_a_message_file_is_never_seen_half_written(broker):
    conn, folder = broker
    queue = conn.SimpleQueue("big")
    # Big enough that writing it takes many of the reader's looks at the folder.
    payload = {"blob": "租" * 2_000_000}
    looking, done = threading.Event(), threading.Event()

    def send():
        looking.wait()
        for _ in range(5):
            queue.put(payload)
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    read = 0
    looking.set()
    while not done.is_set():
        for path in folder.glob("*.big.msg"):
            text = path.read_bytes()
            json.loads(text)  # a half-written file fails here (kombu's own writes in place)
            read += 1
    sender.join()
    assert read > 0, "the reader never looked while messages were being written"
    assert not list(folder.glob("*.part")), "a partial file was left behind"
    assert [queue.get(timeout=1).payload == payload for _ in range(5)] == [True] * 5


def test_one_senders_messages_come_out_in_the_order_sent(broker):
    conn, _ = broker
    queue = conn.SimpleQueue("order")
    # Hundreds of messages a millisecond: kombu's own names (whole milliseconds, then a random
    # uuid) put those of one millisecond in random order.
    for number in range(500):
        queue.put({"n": number})
    received = []
    for _ in range(500):
        message = queue.get(timeout=1)
        received.append(message.payload["n"])
        message.ack()
    assert received == list(range(500))


def _transport_of(settings_module: str, **env) -> str:
    """The class Celery connects with under `settings_module`, in a fresh process."""
    keep = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    code = (
        "from rental.celery import app; t = type(app.connection_for_write().transport); "
        "print(f'{t.__module__}.{t.__name__}')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_with_no_broker_configured_celery_uses_this_broker_and_a_configured_one_otherwise():
    assert _transport_of("rental.settings.test") == "rental.core.filebroker.Transport"
    assert _transport_of("bench.settings") == "kombu.transport.memory.Transport"
    assert (
        _transport_of("rental.settings.test", CELERY_BROKER_URL="redis://127.0.0.1:6379/9")
        == "kombu.transport.redis.Transport"
    )


def test_an_unreadable_message_is_skipped_and_logged_not_the_end_of_the_worker(broker, caplog):
    conn, folder = broker
    queue = conn.SimpleQueue("mixed")
    # What a crash of the machine can leave: a file empty, or cut short; named to be taken first.
    (folder / f"{1:020d}_{uuid.uuid4()}.mixed.msg").write_bytes(b"")
    (folder / f"{2:020d}_{uuid.uuid4()}.mixed.msg").write_bytes(b'{"body": "')
    queue.put({"n": 1})

    assert queue.get(timeout=5).payload == {"n": 1}
    skipped = [r for r in caplog.records if "unreadable message of queue mixed" in r.getMessage()]
    assert len(skipped) == 2
    assert not list(folder.glob("*.msg"))
