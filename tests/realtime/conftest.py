"""A real uvicorn on a loopback port, the demo office in a SQLite file, registered devices."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from antrean.client import websocket_url
from antrean.protocol import PROTOCOL_VERSION, Command, QueueSnapshot
from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.app import create_app
from server.auth import caller_for_token
from server.config import ServerSettings
from server.engine.commands import find_site
from server.engine.views import snapshot
from server.operations import Operations, Outcome
from server.store.database import Database
from tests.conftest import Clock, make_demo_database


def free_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class LiveServer:
    """uvicorn serving the app in a thread; stop() and start() again on the same port."""

    def __init__(
        self,
        settings: ServerSettings,
        clock: Callable[[], datetime],
        prepare: Callable[[FastAPI], None] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.prepare = prepare
        self.port = 0
        self.app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return websocket_url(self.url)

    def start(self) -> None:
        sock = free_socket(self.port)
        self.port = sock.getsockname()[1]
        self.app = create_app(self.settings, clock=self.clock)
        if self.prepare is not None:
            self.prepare(self.app)
        options = {**self.settings.uvicorn_options(), "log_level": "warning"}
        config = uvicorn.Config(self.app, lifespan="on", **options)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        sock.close()  # uvicorn listens on its own duplicate

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(20)
            assert not self._thread.is_alive(), "uvicorn did not stop"
        self._server = self._thread = None


@dataclass
class Office:
    """The demo office behind a live server, with one device of each kind."""

    server: LiveServer
    db: Database
    clock: Clock
    tokens: dict[str, str]
    device_ids: dict[str, int]

    def execute(self, device: str, command: Command) -> Outcome:
        """Carry out a command straight on the database, past the server (as the CLI would)."""
        with self.db.reading() as work:
            caller = caller_for_token(work, self.tokens[device], self.clock())
        return Operations(self.db, None, self.clock).execute(caller, command)

    def snapshot(self) -> QueueSnapshot:
        with self.db.reading() as work:
            return snapshot(work, find_site(work, "demo"), self.clock())


DEVICES: dict[str, tuple[DeviceKind, list[int]]] = {
    "display": (DeviceKind.DISPLAY, []),
    "kiosk": (DeviceKind.KIOSK, []),
    "kiosk2": (DeviceKind.KIOSK, []),
    "counter1": (DeviceKind.COUNTER, [1]),
    "counter2": (DeviceKind.COUNTER, [2]),
}


def register_devices(db: Database, now: datetime) -> tuple[dict[str, str], dict[str, int]]:
    tokens, ids = {}, {}
    with db.writing() as work:
        for name, (kind, counters) in DEVICES.items():
            device, token = add_device(work, "demo", kind, now, counters, name=name)
            tokens[name], ids[name] = token, device.id
    return tokens, ids


def realtime_settings(database_url: str, tmp_path: Any, **overrides: Any) -> ServerSettings:
    return ServerSettings(data_dir=tmp_path, database_url=database_url, **overrides)


@pytest.fixture
def make_office(sqlite_url: str, tmp_path: Any, clock: Clock) -> Iterator[Callable[..., Office]]:
    made: list[Office] = []

    def make(prepare: Callable[[FastAPI], None] | None = None, **settings: Any) -> Office:
        db = make_demo_database(sqlite_url)
        tokens, ids = register_devices(db, clock())
        server = LiveServer(realtime_settings(sqlite_url, tmp_path, **settings), clock, prepare)
        server.start()
        office = Office(server, db, clock, tokens, ids)
        made.append(office)
        return office

    yield make
    for office in made:
        office.server.stop()
        office.db.dispose()


@pytest.fixture
def office(make_office: Callable[..., Office]) -> Office:
    return make_office()


# Talking to the socket by hand, for the protocol's edges.


async def open_socket(
    office: Office, token: str | None, *, hello: dict[str, Any] | None = None
) -> ClientConnection:
    ws = await connect(office.server.ws_url, compression=None, open_timeout=5)
    frame = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}
    frame.update(hello or {})
    await ws.send(json.dumps(frame))
    return ws


async def next_frame(ws: ClientConnection, kind: str | None = None, timeout: float = 5) -> Any:
    """The next frame (of `kind`, skipping others) as a dict."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if kind is None or frame["type"] == kind:
                return frame


async def greeted(office: Office, token: str) -> tuple[ClientConnection, dict[str, Any]]:
    """A socket past hello: the welcome and first snapshot read; returns the snapshot."""
    ws = await open_socket(office, token)
    assert (await next_frame(ws))["type"] == "welcome"
    first = await next_frame(ws)
    assert first["type"] == "snapshot", first
    return ws, first["snapshot"]


async def command(
    ws: ClientConnection, request_id: str, body: dict[str, Any], timeout: float = 5
) -> dict[str, Any]:
    """Send a command and return its answer (result or error), skipping deltas."""
    await ws.send(json.dumps({"type": "command", "request_id": request_id, "command": body}))
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] in ("result", "error") and frame.get("request_id") == request_id:
                return dict(frame)
