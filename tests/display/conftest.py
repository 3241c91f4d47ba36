"""A real queue server in its own process (killed and restarted at will), and the wall.

The server is `antrean server` on a loopback port with the demo office in a
SQLite file, so a test can kill it with SIGKILL mid-burst, as a power cut
would, and start it again on the same port and database. The wall runs whole
in the test process: DeviceClient, announcer and painter on SDL's offscreen
driver, with a speaker that records what it played.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from antrean.client import DeviceClient
from antrean.protocol import CallNextCommand, Command
from antrean.spoken import DEFAULT_WORDING
from antrean.vocabulary import DeviceKind
from antrean.voice import CallVoice, Espeak
from display.announcer import Announcement
from display.app import DisplayApp, Frame
from display.screen import PygameScreen
from display.settings import DisplaySettings
from display.speaker import RecordingSpeaker
from server.admin import add_device
from server.auth import caller_for_token
from server.demo_office import DEMO_PASSWORD
from server.operations import Operations
from server.store.database import Database
from tests.conftest import make_demo_database
from tests.devices import running, until
from tests.live import free_port

START_TIMEOUT = 30.0


class ServerProcess:
    """`antrean server` in a child process: start, kill -9, start again."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "ANTREAN_DATA_DIR": str(self.data_dir),
            "ANTREAN_DATABASE_URL": self.database_url,
            "ANTREAN_LOG_LEVEL": "warning",
        }
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "launcher", "server", "--port", str(self.port)],
                env=env, stdout=output, stderr=output,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the sockets, as when the power goes."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


@dataclass
class Office:
    server: ServerProcess
    db: Database
    tokens: dict[str, str]
    officer: dict[str, str] = field(default_factory=dict)

    def issue(self, service: str = "A", count: int = 1) -> list[str]:
        codes = []
        for _ in range(count):
            answer = httpx.post(
                f"{self.server.url}/api/v1/sites/demo/tickets",
                json={"service": service, "request_id": os.urandom(8).hex()},
                headers=self.officer, timeout=10,
            )
            answer.raise_for_status()
            codes.append(answer.json()["ticket"]["code"])
        return codes

    def call_next(self, counter: int) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.server.url}/api/v1/sites/demo/counters/{counter}/call-next",
            json={"request_id": os.urandom(8).hex()}, headers=self.officer, timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def recall(self, ticket_id: int) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.server.url}/api/v1/tickets/{ticket_id}/recall", headers=self.officer,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def execute(self, device: str, command: Command) -> Any:
        """A command straight on the database, past the (stopped) server."""
        now = datetime.now(UTC)
        with self.db.reading() as session:
            caller = caller_for_token(session, self.tokens[device], now)
        return Operations(self.db, None, lambda: datetime.now(UTC)).execute(caller, command)

    def call_past_server(self, counter: int) -> str:
        outcome = self.execute(f"counter{counter}", CallNextCommand(site="demo", counter=counter))
        return str(outcome.body["code"])

    def login(self) -> None:
        answer = httpx.post(
            f"{self.server.url}/api/v1/auth/token",
            json={"username": "petugas", "password": DEMO_PASSWORD}, timeout=10,
        )
        answer.raise_for_status()
        self.officer = {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    url = f"sqlite:///{tmp_path / 'antrean.db'}"
    db = make_demo_database(url)
    tokens = {}
    with db.writing() as work:
        for name, kind, counters in [
            ("display", DeviceKind.DISPLAY, []),
            ("display2", DeviceKind.DISPLAY, []),
            *((f"counter{n}", DeviceKind.COUNTER, [n]) for n in range(1, 5)),
        ]:
            _, tokens[name] = add_device(work, "demo", kind, datetime.now(UTC), counters,
                                         name=name)
    server = ServerProcess(tmp_path, url)
    server.start()
    office = Office(server, db, tokens)
    office.login()
    try:
        yield office
    finally:
        server.stop()
        db.dispose()


@dataclass
class Wall:
    app: DisplayApp
    speaker: RecordingSpeaker
    frames: list[Frame]
    spoken: list[Announcement]
    screen: PygameScreen

    async def until(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        await until(condition, timeout)

    def shows(self, code: str) -> bool:
        model = self.frames[-1].scene.model if self.frames else None
        return model is not None and model.latest is not None and model.latest.code == code

    def spoken_codes(self) -> list[tuple[str, int]]:
        return [(a.call.code, a.call.call_count) for a in self.spoken]


def wall_settings(url: str, token: str, tmp_path: Path, **changes: Any) -> DisplaySettings:
    screen = {"mode": "window", "driver": "offscreen", "size": changes.pop("size", (1280, 720))}
    voice = {"cache_dir": tmp_path / "voice-cache", "wording": DEFAULT_WORDING,
             **changes.pop("voice", {})}
    return DisplaySettings(
        server_url=url, token=token, site="demo",  # type: ignore[arg-type]
        screen=screen, voice=voice, **changes,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running_wall(
    url: str, token: str, tmp_path: Path, *, speed: float = 8.0, online: bool = True,
    **changes: Any,
) -> AsyncIterator[Wall]:
    settings = wall_settings(url, token, tmp_path, **changes)
    client = DeviceClient(url, token, site="demo", max_backoff=0.5, refused_retry=1.0)
    screen = PygameScreen(settings.screen)
    speaker = RecordingSpeaker(speed)
    voice = CallVoice(settings.voice.cache_dir, espeak=Espeak.find(), mode=settings.voice.mode,
                      closing_chime=settings.voice.closing_chime)
    app = DisplayApp(settings, client, screen, speaker, voice)
    frames: list[Frame] = []
    spoken: list[Announcement] = []
    app.on_frame(frames.append)
    app.on_spoken(spoken.append)
    try:
        async with running(app.run, client, online=online, timeout=20):
            yield Wall(app, speaker, frames, spoken, screen)
    finally:
        screen.close()
