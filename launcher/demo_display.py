"""The monitor wall in `antrean demo`: a window where there is a screen, PNG frames where
there is none, and a one-time link for the browser wall.

The wall runs in its own thread with its own event loop, beside the demo's
office, and narrates what it shows and says.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.config import ServerSettings
from server.demo_office import DEMO_SITE

DEMO_DISPLAY = "demo display"


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  display  {line}", flush=True)


@dataclass
class DemoWall:
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    stop_event: asyncio.Event | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        if self.thread is not None:
            self.thread.join(timeout=15)


def start_wall(settings: ServerSettings, base: str, say: Callable[[str], None] = _say) -> DemoWall:
    """Register a fresh display device, print the browser wall's link, start the wall."""
    token, link = _register(settings, base)
    say(f"browser wall (a smart TV): open {link}")
    wall = DemoWall()

    def run() -> None:
        from display.settings import DisplaySettings
        from display.simulated import simulated_display

        async def main() -> None:
            display_settings = DisplaySettings(
                server_url=base, token=token, site=DEMO_SITE,
                simulation={"output_dir": settings.data_dir / "display-output"},
                voice={"cache_dir": settings.data_dir / "voice-cache"},
            )
            sim = simulated_display(display_settings, say=say)
            wall.loop, wall.stop_event = asyncio.get_running_loop(), sim.stop
            wall.ready.set()
            await sim.app.run(sim.stop)

        try:
            asyncio.run(main())
        except Exception as error:  # the demo goes on without its wall
            say(f"the wall stopped: {error!r}")
        finally:
            wall.ready.set()

    wall.thread = threading.Thread(target=run, name="demo wall", daemon=True)
    wall.thread.start()
    wall.ready.wait(timeout=20)
    return wall


def _register(settings: ServerSettings, base: str) -> tuple[str, str]:
    """A display token for the wall and a pairing link for a browser; old demo walls revoked."""
    from antrean.vocabulary import DeviceKind
    from server.admin import add_device, revoke_device
    from server.store import accounts
    from server.store.database import Database
    from server.web.tv.pairing import create_pairing
    from server.web.tv.routes import pairing_link

    db = Database(settings.database)
    now = datetime.now(UTC)
    with db.writing() as work:
        for old in accounts.devices(work, name=DEMO_DISPLAY):
            if old.revoked_at is None:
                revoke_device(work, old.id, now)
        _, token = add_device(work, DEMO_SITE, DeviceKind.DISPLAY, now, name=DEMO_DISPLAY)
        _, code = create_pairing(work, DEMO_SITE, now, "demo TV")
    db.dispose()
    return token, pairing_link(base, code)
