"""Two real server processes on one PostgreSQL share events through LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from antrean.client import DeviceClient
from antrean.protocol import CallNextCommand, EventView, IssueTicketCommand, QueueSnapshot
from antrean.vocabulary import EventType
from server.engine.commands import find_site
from server.engine.views import snapshot
from server.operations import utc_now
from server.store.database import Database
from tests.conftest import make_demo_database
from tests.realtime.conftest import register_devices
from tests.realtime.processes import start_server, stop_server

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_servers(
    postgres_url: str, tmp_path: Path
) -> Iterator[tuple[Database, dict[str, str], str, str]]:
    db = make_demo_database(postgres_url)
    tokens, _ = register_devices(db, utc_now())
    first, url_a = start_server(postgres_url, tmp_path / "a", fanout="postgres")
    try:
        second, url_b = start_server(postgres_url, tmp_path / "b", fanout="postgres")
    except BaseException:
        stop_server(first)
        raise
    yield db, tokens, url_a, url_b
    for process in (first, second):
        stop_server(process)
    db.dispose()


def server_view(db: Database) -> QueueSnapshot:
    with db.reading() as work:
        return snapshot(work, find_site(work, "demo"), utc_now())


def test_a_command_on_one_process_reaches_clients_of_the_other_in_order(
    two_servers: tuple[Database, dict[str, str], str, str],
) -> None:
    db, tokens, url_a, url_b = two_servers

    async def scenario() -> None:
        seen_a: list[EventView] = []
        seen_b: list[EventView] = []
        display_a = DeviceClient(url_a, tokens["display"])
        display_b = DeviceClient(url_b, tokens["display"])
        kiosk_a = DeviceClient(url_a, tokens["kiosk"])
        kiosk_b = DeviceClient(url_b, tokens["kiosk2"])
        counter_b = DeviceClient(url_b, tokens["counter1"])
        counter_a = DeviceClient(url_a, tokens["counter2"])
        display_a.on_change(lambda u: seen_a.append(u.event) if u.event else None)
        display_b.on_change(lambda u: seen_b.append(u.event) if u.event else None)
        clients = (display_a, display_b, kiosk_a, kiosk_b, counter_a, counter_b)
        for client in clients:
            await client.start()
        try:
            await asyncio.gather(*(c.wait_online(10) for c in clients))
            issued = await kiosk_a.send(IssueTicketCommand(site="demo", service="A"))
            assert issued is not None
            called = await counter_b.send(CallNextCommand(site="demo", counter=1))
            assert called is not None and called["id"] == issued["ticket"]["id"]
            async with asyncio.timeout(5):
                while not any(e.type is EventType.CALLED for e in seen_a):
                    await asyncio.sleep(0.01)
            # Both processes busy at once: their events interleave in the database.
            for _ in range(6):
                await asyncio.gather(
                    kiosk_a.send(IssueTicketCommand(site="demo", service="A")),
                    kiosk_b.send(IssueTicketCommand(site="demo", service="B")),
                    kiosk_a.send(IssueTicketCommand(site="demo", service="C")),
                )
                await asyncio.gather(
                    counter_a.send(CallNextCommand(site="demo", counter=2)),
                    counter_b.send(CallNextCommand(site="demo", counter=1)),
                )
            expected = server_view(db)
            async with asyncio.timeout(10):
                while not all(
                    c.snapshot is not None and c.snapshot.seq == expected.seq
                    for c in (display_a, display_b)
                ):
                    await asyncio.sleep(0.02)
        finally:
            for client in clients:
                await client.stop()
        assert expected.seq > 40
        for seen in (seen_a, seen_b):
            assert [e.seq for e in seen] == list(range(1, expected.seq + 1))
        assert [e.model_dump() for e in seen_a] == [e.model_dump() for e in seen_b]
        for display in (display_a, display_b):
            got = display.snapshot
            assert got is not None
            assert [t.id for t in got.waiting] == [t.id for t in expected.waiting]
            assert got.counters == expected.counters

    asyncio.run(scenario())
