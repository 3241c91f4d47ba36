"""Talking to systemd: READY when started, watchdog pings from the main loop.

Every program runs as a `Type=notify` unit with `WatchdogSec=`. The pings come
from a task on the program's own event loop, so a loop that hangs stops them
and systemd restarts the program. Outside systemd nothing is sent.
"""

from __future__ import annotations

import asyncio
import os
import socket


def notify(message: str) -> bool:
    """Send one sd_notify message (READY=1, STOPPING=1, STATUS=…); False outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(message.encode(), address)
    return True


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
