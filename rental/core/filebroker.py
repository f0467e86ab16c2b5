"""Kombu's file-system broker, the fallback when no broker is configured, made safe to share.

Kombu writes each message in place: the file exists, empty, before its bytes are written. A worker
polling the folder in that instant reads an empty message, and kombu's JSON decoder stops the
worker with "Unrecoverable error" (seen: a test worker died so, and every later task waited in
vain). Here a message is written under a name the workers ignore and renamed into place, which
POSIX makes atomic within a folder.

Kombu also names messages by whole milliseconds of `monotonic()`, unpadded, and the workers take
them in sorted order: two messages of the same millisecond come out in random order, and when the
clock gains a digit (1,000 s, 10,000 s… after boot) new messages sort before old ones. Here the
name is the monotonic clock in nanoseconds, padded to 20 digits, so one process's messages are
taken in the order it sent them.

A message that cannot be read all the same (a file cut short by a crash of the machine, or left
by hand) is logged and skipped, not allowed to stop the worker: kombu has taken it off the queue
before reading it.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _get(self, queue):
        try:
            return super()._get(queue)
        except ValueError as exc:  # JSON that does not decode (kombu raises it as is)
            logger.error("Skipped an unreadable message of queue %s: %s", queue, exc)
            raise Empty() from exc

    def _put(self, queue, payload, **kwargs):
        name = f"{time.monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Workers take only names that end in ".<queue>.msg".
        partial = final + ".part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
