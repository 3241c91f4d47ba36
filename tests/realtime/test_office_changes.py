"""A change to an office's set-up reaches its devices at once, wherever it was made."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from antrean.client import DeviceClient
from antrean.protocol import CallNextCommand, IssueTicketCommand
from server.audit import Author
from server.engine.commands import find_site
from server.office.apply import apply_office, stored_office, with_service, without_counter
from server.office.file import ServiceEntry
from tests.realtime.conftest import Office


def test_a_change_made_past_the_server_reaches_kiosk_and_wall(
    make_office: Callable[..., Office],
) -> None:
    """As `antrean office apply` in another process would: the server hears of it from
    the audit log within a second, with periodic refreshes switched off."""
    office = make_office(ws_refresh_seconds=0)

    async def scenario() -> None:
        kiosk = DeviceClient(office.server.url, office.tokens["kiosk"])
        wall = DeviceClient(office.server.url, office.tokens["display"])
        keypad = DeviceClient(office.server.url, office.tokens["counter1"])
        async with kiosk, wall, keypad:
            await asyncio.gather(*(c.wait_online(5) for c in (kiosk, wall, keypad)))
            assert kiosk.snapshot is not None
            assert "H" not in [s.code for s in kiosk.snapshot.services]

            with office.db.writing() as work:
                current = stored_office(work, find_site(work, "demo"))
                night = ServiceEntry(code="H", name="Layanan Malam", minutes=6)
                wanted = without_counter(with_service(current, night, None), 4)
                ones = current.counters[0].model_copy(update={"services": ["H", "A"]})
                wanted = wanted.model_copy(
                    update={"counters": [ones, *wanted.counters[1:]]}
                )
                apply_office(work, wanted, Author("test", "file"), office.clock())

            async with asyncio.timeout(5):
                while True:
                    services = [s.code for s in kiosk.snapshot.services] if kiosk.snapshot else []
                    counters = [c.number for c in wall.snapshot.counters] if wall.snapshot else [4]
                    if "H" in services and 4 not in counters:
                        break
                    await asyncio.sleep(0.05)
            issued = await kiosk.send(IssueTicketCommand(site="demo", service="H"))
            assert issued is not None and issued["ticket"]["code"] == "H001"
            called = await keypad.send(CallNextCommand(site="demo", counter=1))
            assert called is not None and called["code"] == "H001", "counter 1 prefers H now"
            assert wall.snapshot is not None
            assert [s.name for s in wall.snapshot.services if s.code == "H"] == ["Layanan Malam"]

    asyncio.run(scenario())
