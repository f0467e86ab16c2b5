"""A real HTTP server on 127.0.0.1 that plays a webhook receiver, scripted per test."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None


@dataclass
class Receiver:
    """Answers each POST with the next scripted reply: a status code, ("redirect", url), or
    "hang" (hold the request open until `release` is set). After the script, 200."""

    script: list = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/rental"

    def answered(self, code: int = 200) -> list[Received]:
        return [r for r in self.requests if r.answered == code]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                got = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                receiver.requests.append(got)
                reply = receiver.script.pop(0) if receiver.script else 200
                receiver.arrived.set()
                if reply == "hang":
                    receiver.release.wait(60)
                    return  # the sender is gone; nothing is answered
                if isinstance(reply, tuple):
                    self.send_response(302)
                    self.send_header("Location", reply[1])
                    self.end_headers()
                    got.answered = 302
                    return
                self.send_response(reply)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if reply < 300 else b"not now")
                got.answered = reply

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
