"""`antrean counter`: settings in, the keypad running until it is stopped.

Under systemd (Type=notify) the keypad says when it is ready and then pets
the watchdog from its event loop, so a loop that hangs gets restarted
(`antrean.startup`, the same for every device).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from antrean.startup import device_client, run_until_stopped, start
from counter.settings import CounterSettings


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = start(CounterSettings, config, quiet=simulate)
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
    from counter.app import Keypad

    client = device_client(settings, command_timeout=settings.command_timeout)
    await run_until_stopped(Keypad(settings, client).run)
