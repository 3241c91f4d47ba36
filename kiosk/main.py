"""`antrean kiosk`: settings in, the kiosk running until it is stopped.

Under systemd (Type=notify) the kiosk says when it is ready and then pets
the watchdog from its event loop, so a loop that hangs gets restarted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from antrean.systemd import service_running
from kiosk.settings import KioskSettings

log = logging.getLogger("kiosk")


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = KioskSettings.load(config)
    settings.require_token()
    # force: python-escpos configures logging when imported; the kiosk's own settings win.
    logging.basicConfig(
        level=logging.WARNING if simulate else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if simulate:
        from kiosk.simulated import run_simulated

        return run_simulated(settings)
    asyncio.run(_run(settings))
    return 0


async def _run(settings: KioskSettings) -> None:
    from antrean.client import DeviceClient
    from kiosk.app import Kiosk
    from kiosk.printer.port import open_port

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = DeviceClient(
        settings.server_url, settings.token.get_secret_value(), site=settings.site,
        command_timeout=settings.command_timeout,
    )
    kiosk = Kiosk(settings, client, open_port(settings.printer))
    kiosk.on_result(lambda result: log.info(
        "%s %s %s", result.service, result.outcome.value, result.detail
    ))
    async with service_running():
        await kiosk.run(stop)

