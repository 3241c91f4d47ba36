"""`antrean kiosk`: settings in, the kiosk running until it is stopped.

Under systemd (Type=notify) the kiosk says when it is ready and then pets
the watchdog from its event loop, so a loop that hangs gets restarted
(`antrean.startup`, the same for every device).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from antrean.startup import device_client, run_until_stopped, start
from kiosk.settings import KioskSettings

log = logging.getLogger("kiosk")


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = start(KioskSettings, config, quiet=simulate)
    if simulate:
        from kiosk.simulated import run_simulated

        return run_simulated(settings)
    asyncio.run(_run(settings))
    return 0


async def _run(settings: KioskSettings) -> None:
    from kiosk.app import Kiosk
    from kiosk.printer.port import open_port

    client = device_client(settings, command_timeout=settings.command_timeout)
    kiosk = Kiosk(settings, client, open_port(settings.printer))
    kiosk.on_result(lambda result: log.info(
        "%s %s %s", result.service, result.outcome.value, result.detail
    ))
    await run_until_stopped(kiosk.run)
