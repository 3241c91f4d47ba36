"""Talking to systemd: READY when started, watchdog pings from the main loop.

Every program runs as a `Type=notify` unit with `WatchdogSec=`. The pings come
from a task on the program's own event loop, so a loop that hangs stops them
and systemd restarts the program. Outside systemd nothing is sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from antrean.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one sd_notify message (READY=1, STOPPING=1, STATUS=…); False outside systemd.

    A notify socket that has gone away is logged, never raised: telling
    systemd must not be what stops a program.
    """
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
    except OSError as error:
        log.warning("cannot tell systemd %r: %s", message.split("\n", 1)[0], error)
        return False
    return True


def status(text: str) -> bool:
    """The one line `systemctl status` shows under the unit (e.g. "disk full")."""
    return notify("STATUS=" + " ".join(text.split()))


def watchdog_interval() -> float | None:
    """Seconds between pings (half of WatchdogSec), or None when no watchdog is set."""
    microseconds = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
    return microseconds / 2_000_000 if microseconds > 0 else None


async def pet_watchdog() -> None:
    """Ping the watchdog for as long as the event loop runs; returns at once without one."""
    interval = watchdog_interval()
    if interval is None:
        return
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)


@asynccontextmanager
async def service_running(ready_status: str | None = None) -> AsyncIterator[None]:
    """READY=1 on entry, watchdog pings from this loop while inside, STOPPING=1 on the way out.

    Every program wraps its main loop in it, so each one behaves the same
    under systemd: enter it once the program is able to do its work.
    """
    watchdog = asyncio.create_task(pet_watchdog(), name="systemd watchdog")
    notify("READY=1" if ready_status is None else f"READY=1\nSTATUS={ready_status}")
    try:
        yield
    finally:
        notify("STOPPING=1")
        await cancel_and_wait(watchdog)
