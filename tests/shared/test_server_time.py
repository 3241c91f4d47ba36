"""Devices show the server's time: taken from a real server's snapshot and
events through the real DeviceClient, moved on by the device's monotonic clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from antrean.client import DeviceClient
from antrean.protocol import IssueTicketCommand
from antrean.server_time import ServerClock
from server.app import create_app
from server.config import ServerSettings
from server.store.database import Database
from tests.conftest import Clock
from tests.live import serving
from tests.realtime.conftest import register_devices


class Ticking:
    """The device's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_device_shows_the_servers_time_not_its_own(
    demo_sqlite: Database, clock: Clock, tmp_path: Path
) -> None:
    tokens, _ = register_devices(demo_sqlite, clock())
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    ticking = Ticking()
    shown = ServerClock(monotonic=ticking)
    assert shown.now() is None

    async def scenario() -> None:
        async with DeviceClient(url, tokens["kiosk"], site="demo") as client:
            client.on_change(shown.follow)
            await client.wait_online(10)
            at_snapshot = shown.now()
            assert at_snapshot == clock.now  # 10:00 WITA on the server's (injected) clock
            assert at_snapshot is not None and at_snapshot.utcoffset() == timedelta(hours=8)
            ticking.now += 90  # a minute and a half later, by the device's own count
            assert shown.now() == clock.now + timedelta(seconds=90)
            clock.advance(minutes=5)  # the server's clock moved on; an event says so
            await client.send(IssueTicketCommand(site="demo", service="A"))
            await asyncio.sleep(0.2)
            assert shown.now() == clock.now

    with serving(create_app(settings, clock=clock)) as url:
        asyncio.run(scenario())
