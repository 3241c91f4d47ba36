"""The kiosk under systemd: READY, watchdog pings from its event loop (a hung
loop stops them), STOPPING; and a kiosk started before its server waits and
connects by itself. Observed on a real notify socket."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kiosk.main import _run
from kiosk.settings import FilePrinterSettings, KioskSettings
from tests.kiosk.conftest import demo_office, server_app
from tests.live import free_port, serving
from tests.notify import NotifySocket, pings_during

WATCHDOG_SECONDS = 0.4
HANG_SECONDS = 1.2

KIOSK_FILE = """\
server_url = "http://127.0.0.1:{port}"
site = "demo"

[buttons]
services = {{ GPIO17 = "A", GPIO27 = "B" }}
priority = "GPIO25"

[lights]
ready = "GPIO5"
busy = "GPIO6"
problem = "GPIO13"

[printer]
kind = "file"
path = "{printer}"
"""


def test_a_kiosk_started_before_its_server_is_ready_and_connects_when_the_server_comes(
    tmp_path: Path,
) -> None:
    db, token, _ = demo_office(tmp_path)
    port = free_port()
    config = tmp_path / "kiosk.toml"
    config.write_text(KIOSK_FILE.format(port=port, printer=tmp_path / "printer.bin"))
    with NotifySocket() as notify_socket:
        env = {
            **os.environ, **notify_socket.environment(WATCHDOG_SECONDS),
            "ANTREAN_KIOSK_TOKEN": token,
            "GPIOZERO_PIN_FACTORY": "mock",  # the real program, on gpiozero's mock pins
        }
        log = (tmp_path / "kiosk.log").open("w")
        kiosk = subprocess.Popen(
            [sys.executable, "-m", "launcher", "kiosk", "--config", str(config)],
            env=env, stdout=log, stderr=log,
        )
        try:
            # Nothing listens on the port yet: the kiosk is up anyway, and fed.
            notify_socket.wait_for("READY=1", timeout=60)
            notify_socket.wait_for_pings(3, after=time.monotonic())
            assert kiosk.poll() is None
            with serving(server_app(db, tmp_path), port=port) as url:
                deadline = time.monotonic() + 30
                while httpx.get(f"{url}/healthz", timeout=10).json()["devices"]["kiosk"] != 1:
                    assert time.monotonic() < deadline, (tmp_path / "kiosk.log").read_text()
                    time.sleep(0.1)
        finally:
            kiosk.send_signal(signal.SIGTERM)
            code = kiosk.wait(30)
            log.close()
            db.dispose()
        assert code == 0, (tmp_path / "kiosk.log").read_text()
        notify_socket.wait_for("STOPPING=1", timeout=5)


def test_a_hung_kiosk_loop_stops_the_pings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = KioskSettings(
        server_url=f"http://127.0.0.1:{free_port()}",  # no server: the loop still runs
        token="atd_not-needed-here",
        printer=FilePrinterSettings(path=tmp_path / "printer.bin"),
    )
    with NotifySocket() as notify_socket:
        for name, setting in notify_socket.environment(WATCHDOG_SECONDS).items():
            monkeypatch.setenv(name, setting)

        async def scenario() -> tuple[float, float]:
            running = asyncio.create_task(_run(settings))
            await asyncio.to_thread(notify_socket.wait_for, "READY=1")
            await asyncio.to_thread(notify_socket.wait_for_pings, 3, time.monotonic())
            started = time.monotonic()
            time.sleep(HANG_SECONDS)  # the kiosk's loop (this loop) hangs
            ended = time.monotonic()
            await asyncio.to_thread(notify_socket.wait_for_pings, 3, ended)
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            return started, ended

        started, ended = asyncio.run(scenario())
        pings = notify_socket.pings()
        assert pings_during(pings, started + 0.05, ended - 0.05) == []
        gaps = [b - a for a, b in itertools.pairwise(pings)]
        assert max(gaps) >= HANG_SECONDS - 0.1
        assert sorted(gaps)[len(gaps) // 2] < 2 * WATCHDOG_SECONDS
        notify_socket.wait_for("STOPPING=1", timeout=5)
