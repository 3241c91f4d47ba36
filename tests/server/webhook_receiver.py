"""A real HTTP receiver on a loopback port, standing in for an office's SMS gateway."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]


@dataclass
class Receiver:
    """Answers each POST with the next status in `answers` (200 once they run out).

    While `held` is clear, a POST waits before it is answered (a slow gateway).
    `refusal` is the body of an answer that is not 2xx.
    """

    port: int
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    refusal: bytes = b'{"error": "no"}'
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.held.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/kirim"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), raw, json.loads(raw))
                )
                receiver.arrived.set()
                receiver.held.wait(timeout=60)
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else receiver.refusal)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.held.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
