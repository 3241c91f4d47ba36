"""`antrean display`: settings in, the wall running until it is stopped.

Under systemd (Type=notify) the wall says when it is ready and then pets the
watchdog from its event loop, so a loop that hangs gets restarted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from antrean.systemd import service_running
from display.settings import DisplaySettings

log = logging.getLogger("display")


def load(config: Path | None = None) -> DisplaySettings:
    settings = DisplaySettings.load(config)
    settings.require_token()
    return settings


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = load(config)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    if simulate:
        from display.simulated import run_simulated

        return run_simulated(settings)
    asyncio.run(_run(settings))
    return 0


async def _run(settings: DisplaySettings) -> None:
    from display.app import DisplayApp
    from display.parts import make_client, make_speaker, make_voice
    from display.screen import PygameScreen

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    screen = PygameScreen(settings.screen)
    speaker = make_speaker(settings.voice)
    app = DisplayApp(settings, make_client(settings), screen, speaker, make_voice(settings.voice))
    app.on_spoken(lambda said: log.info("spoke: %s", said.sentence))
    try:
        async with service_running():
            await app.run(stop)
    finally:
        speaker.close()
        screen.close()
