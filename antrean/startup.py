"""How a device program starts and stops: settings and token, log lines, the client, and
a loop that runs until SIGTERM inside systemd's READY, watchdog and STOPPING.

Each device's `main.py` only says what it builds; starting is the same for all
of them, so each behaves the same under systemd and in a terminal.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from antrean.client import DeviceClient
from antrean.settings import DeviceSettings
from antrean.systemd import service_running

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

SettingsT = TypeVar("SettingsT", bound=DeviceSettings)


def start(
    settings_class: type[SettingsT], config: Path | None, *, quiet: bool = False
) -> SettingsT:
    """The settings read and checked (a device cannot work without its token), then logging.

    Log lines go to stderr: the journal under systemd. `quiet` keeps only
    warnings, for a simulated device whose terminal shows lines of its own.
    """
    settings = settings_class.load(config)
    settings.require_token()
    # force: a library may set logging up when imported (python-escpos does); the program's wins.
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format=LOG_FORMAT, force=True
    )
    return settings


def device_client(settings: DeviceSettings, **options: Any) -> DeviceClient:
    """The client for the settings' server, token and office; `options` go to DeviceClient."""
    return DeviceClient(
        settings.server_url, settings.token.get_secret_value(), site=settings.site, **options
    )


async def run_until_stopped(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """`run(stop)` as a systemd service: READY, watchdog pings, STOPPING.

    SIGTERM (systemd stopping the unit) and SIGINT (Ctrl-C) set `stop`, so
    the program finishes what it is doing and returns.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with service_running():
        await run(stop)
