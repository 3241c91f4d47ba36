"""`antrean counter`: settings in, the keypad running until it is stopped.

Under systemd (Type=notify) the keypad says when it is ready and then pets
the watchdog from its event loop, so a loop that hangs gets restarted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from antrean.systemd import service_running
from counter.settings import CounterSettings

log = logging.getLogger("counter")


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = CounterSettings.load(config)
    settings.require_token()
    logging.basicConfig(
        level=logging.WARNING if simulate else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if simulate:
        from counter.simulated import run_simulated

        return run_simulated(settings)
    if not settings.counters:
        raise ValueError(
            "no counter is wired: add a [[counters]] table (see counter/examples/)"
        )
    asyncio.run(_run(settings))
    return 0


async def _run(settings: CounterSettings) -> None:
    from antrean.client import DeviceClient
    from counter.app import Keypad

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = DeviceClient(
        settings.server_url, settings.token.get_secret_value(), site=settings.site,
        command_timeout=settings.command_timeout,
    )
    keypad = Keypad(settings, client)
    async with service_running():
        await keypad.run(stop)
