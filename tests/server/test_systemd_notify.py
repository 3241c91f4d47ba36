"""The server under systemd (Type=notify, WatchdogSec=): READY once it serves,
watchdog pings from its own event loop, so a hung loop stops them, and
STOPPING on the way out. Observed on a real notify socket."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.conftest import Clock
from tests.live import free_port, serving
from tests.notify import NotifySocket, pings_during

WATCHDOG_SECONDS = 0.4  # pinged every 0.2 s
HANG_SECONDS = 1.5


def test_the_server_command_says_ready_pets_the_watchdog_and_says_stopping(
    tmp_path: Path,
) -> None:
    with NotifySocket() as notify_socket:
        env = {
            **os.environ, **notify_socket.environment(WATCHDOG_SECONDS),
            "ANTREAN_DATA_DIR": str(tmp_path / "data"),
        }
        port = free_port()
        log = (tmp_path / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "launcher", "server", "--port", str(port)],
            env=env, stdout=log, stderr=log,
        )
        try:
            ready = notify_socket.wait_for("READY=1", timeout=60)
            assert "STATUS=serving" in ready
            # READY comes when the database is migrated: the port answers right after.
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert answer.status_code == 200
            notify_socket.wait_for_pings(3, after=time.monotonic())
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(30)
            log.close()
        # uvicorn ends by the signal it was stopped with, which systemd counts as clean.
        assert code in (0, -signal.SIGTERM), (tmp_path / "server.log").read_text()
        notify_socket.wait_for("STOPPING=1", timeout=5)


def test_a_hung_event_loop_stops_the_pings_and_they_come_back_after(
    demo_sqlite: Database, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with NotifySocket() as notify_socket:
        for name, setting in notify_socket.environment(WATCHDOG_SECONDS).items():
            monkeypatch.setenv(name, setting)
        settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
        app = create_app(settings, clock=clock)

        @app.get("/test/hang")
        async def hang() -> dict[str, bool]:
            time.sleep(HANG_SECONDS)  # blocks the event loop, as a bug would
            return {"hung": True}

        with serving(app) as url:
            notify_socket.wait_for("READY=1", timeout=30)
            notify_socket.wait_for_pings(3, after=time.monotonic())
            started = time.monotonic()
            hanging = threading.Thread(target=httpx.get, args=(f"{url}/test/hang",),
                                       kwargs={"timeout": 30})
            hanging.start()
            hanging.join(30)
            ended = time.monotonic()
            notify_socket.wait_for_pings(3, after=ended)
        pings = notify_socket.pings()
        # The request reaches the loop a moment after it is sent; the last ping before
        # the hang may land just after `started`, and none after that until it ends.
        during = pings_during(pings, started + WATCHDOG_SECONDS / 2 + 0.1, ended - 0.05)
        assert during == [], f"pinged while the loop was hung: {during}"
        before = [at for at in pings if at <= started]
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert len(before) >= 3
        assert max(gaps) >= HANG_SECONDS - 0.2, "no gap in the pings"
        assert sorted(gaps)[len(gaps) // 2] < 2 * WATCHDOG_SECONDS, "not pinged regularly"
        assert [m for _, m in notify_socket.messages()][-1] == "STOPPING=1"
