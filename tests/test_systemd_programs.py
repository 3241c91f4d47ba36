"""Every device program under systemd: READY when its loop runs, watchdog pings
from that loop, STOPPING on SIGTERM — observed on a real notify socket, with
no server to talk to (a device booted before the network still counts as up).

The server and the kiosk have their own tests, including a hung loop's
missing pings (tests/server/test_systemd_notify.py, tests/kiosk/).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live import free_port
from tests.notify import NotifySocket

WATCHDOG_SECONDS = 0.4

SETTINGS = {
    "display": """\
server_url = "http://127.0.0.1:{port}"
site = "demo"
[screen]
mode = "window"
driver = "offscreen"
size = [640, 360]
[voice]
cache_dir = "{folder}/voice"
""",
    "counter": """\
server_url = "http://127.0.0.1:{port}"
site = "demo"
[[counters]]
number = 1
[counters.keys]
next = "GPIO17"
recall = "GPIO27"
[counters.lights]
ready = "GPIO5"
problem = "GPIO13"
""",
}
ENVIRONMENT = {
    "display": {"SDL_AUDIODRIVER": "dummy", "ANTREAN_DISPLAY_TOKEN": "atd_unused-here"},
    "counter": {"GPIOZERO_PIN_FACTORY": "mock", "ANTREAN_COUNTER_TOKEN": "atd_unused-here"},
}


@pytest.mark.parametrize("program", sorted(SETTINGS))
def test_a_device_program_says_ready_pets_the_watchdog_and_says_stopping(
    program: str, tmp_path: Path
) -> None:
    config = tmp_path / f"{program}.toml"
    config.write_text(SETTINGS[program].format(port=free_port(), folder=tmp_path))
    with NotifySocket() as notify_socket:
        env = {**os.environ, **notify_socket.environment(WATCHDOG_SECONDS), **ENVIRONMENT[program]}
        log_path = tmp_path / f"{program}.log"
        with log_path.open("w") as log:
            running = subprocess.Popen(
                [sys.executable, "-m", "launcher", program, "--config", str(config)],
                env=env, stdout=log, stderr=log, cwd=tmp_path,
            )
            try:
                notify_socket.wait_for("READY=1", timeout=60)
                ready = time.monotonic()
                notify_socket.wait_for_pings(3, after=ready)
                assert running.poll() is None, log_path.read_text()
            finally:
                running.send_signal(signal.SIGTERM)
                code = running.wait(30)
        assert code == 0, log_path.read_text()
        notify_socket.wait_for("STOPPING=1", timeout=5)
        pings = [at for at in notify_socket.pings() if at > ready]
        gaps = [later - earlier for earlier, later in itertools.pairwise(pings)]
        # Pinged at half the watchdog's time, so systemd never sees a live loop as hung
        # (the median: a loaded test machine may delay one ping).
        assert gaps and sorted(gaps)[len(gaps) // 2] < WATCHDOG_SECONDS, gaps
