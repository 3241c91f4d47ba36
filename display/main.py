"""`antrean display`: settings in, the wall running until it is stopped.

Under systemd (Type=notify) the wall says when it is ready and then pets the
watchdog from its event loop, so a loop that hangs gets restarted
(`antrean.startup`, the same for every device).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from antrean.startup import device_client, run_until_stopped, start
from display.settings import DisplaySettings

log = logging.getLogger("display")


def run(config: Path | None = None, *, simulate: bool = False) -> int:
    settings = start(DisplaySettings, config)
    if simulate:
        from display.simulated import run_simulated

        return run_simulated(settings)
    asyncio.run(_run(settings))
    return 0


async def _run(settings: DisplaySettings) -> None:
    from display.app import DisplayApp
    from display.parts import make_speaker, make_voice
    from display.screen import PygameScreen

    screen = PygameScreen(settings.screen)
    speaker = make_speaker(settings.voice)
    voice = make_voice(settings.voice)
    app = DisplayApp(settings, device_client(settings), screen, speaker, voice)
    app.on_spoken(lambda said: log.info("spoke: %s", said.sentence))
    try:
        await run_until_stopped(app.run)
    finally:
        speaker.close()
        screen.close()
