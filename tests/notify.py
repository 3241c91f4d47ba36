"""A real sd_notify socket, as systemd gives a Type=notify service: what a program
sends to it, with the moment each message arrived."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

PING = "WATCHDOG=1"


class NotifySocket:
    """Bound to a short path (a socket's path is limited to 107 bytes)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="sdn-", dir="/tmp"))
        self.path = str(self._folder / "notify")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._sock.settimeout(0.1)
        self.received: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._open = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while self._open:
            try:
                data = self._sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.received.append((time.monotonic(), data.decode()))

    def environment(self, watchdog_seconds: float) -> dict[str, str]:
        """What systemd sets for a unit with WatchdogSec=`watchdog_seconds`."""
        return {
            "NOTIFY_SOCKET": self.path,
            "WATCHDOG_USEC": str(int(watchdog_seconds * 1_000_000)),
        }

    def messages(self) -> list[tuple[float, str]]:
        with self._lock:
            return list(self.received)

    def pings(self) -> list[float]:
        return [at for at, message in self.messages() if message == PING]

    def wait_for(self, prefix: str, timeout: float = 30.0, after: float = 0.0) -> str:
        """The first message starting with `prefix` that arrived after `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in self.messages():
                if at >= after and message.startswith(prefix):
                    return message
            time.sleep(0.02)
        raise AssertionError(f"no {prefix!r} in {timeout} s; got {self.messages()[-5:]}")

    def wait_for_pings(self, count: int, after: float, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len([at for at in self.pings() if at >= after]) < count:
            assert time.monotonic() < deadline, f"fewer than {count} pings after {after}"
            time.sleep(0.02)

    def close(self) -> None:
        self._open = False
        self._reader.join(2)
        self._sock.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> NotifySocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def pings_during(pings: list[float], start: float, end: float) -> list[float]:
    return [at for at in pings if start < at < end]
