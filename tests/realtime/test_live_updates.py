"""Snapshot on connect, then deltas in order, end to end through a real uvicorn."""

from __future__ import annotations

import asyncio

from antrean.client import ClientUpdate, ConnectionState, DeviceClient
from antrean.protocol import CallNextCommand, IssueTicketCommand, TicketCommand
from antrean.vocabulary import EventType, TicketStatus
from tests.realtime.conftest import Office


def test_snapshot_then_deltas_in_order(office: Office) -> None:
    async def scenario() -> None:
        display = DeviceClient(office.server.url, office.tokens["display"])
        kiosk = DeviceClient(office.server.url, office.tokens["kiosk"])
        counter = DeviceClient(office.server.url, office.tokens["counter1"])
        seen: list[ClientUpdate] = []
        display.on_change(seen.append)
        async with display, kiosk, counter:
            await asyncio.gather(*(c.wait_online(5) for c in (display, kiosk, counter)))
            first = display.snapshot
            assert first is not None and first.site.code == "demo"
            assert [s.code for s in first.services] == ["A", "B", "C", "D", "E"]
            assert first.seq == 0 and first.waiting == []

            issued = [
                await kiosk.send(IssueTicketCommand(site="demo", service=code))
                for code in ("A", "C", "A")
            ]
            assert all(i is not None for i in issued)
            assert [i["ticket"]["code"] for i in issued if i] == ["A001", "C001", "A002"]
            called = await counter.send(CallNextCommand(site="demo", counter=1))
            assert called is not None and called["code"] == "A001"
            assert called["status"] == TicketStatus.CALLED

            async with asyncio.timeout(5):
                while display.snapshot is None or display.snapshot.seq < 4:
                    await asyncio.sleep(0.01)
        events = [u.event for u in seen if u.kind == "event" and u.event is not None]
        assert [e.seq for e in events] == [1, 2, 3, 4]
        assert [e.type for e in events] == [EventType.ISSUED] * 3 + [EventType.CALLED]
        final = display.snapshot
        assert final is not None
        assert [t.code for t in final.waiting] == ["C001", "A002"]
        assert final.counters[0].current is not None
        assert final.counters[0].current.code == "A001"
        assert final.recent_calls[0].code == "A001"
        assert {s.code: s.waiting for s in final.services}["A"] == 1
        states = [u.state for u in seen if u.kind == "state"]
        assert states[0] is ConnectionState.ONLINE and states[-1] is ConnectionState.OFFLINE

    asyncio.run(scenario())


def test_client_state_matches_server_after_many_changes(office: Office) -> None:
    async def scenario() -> None:
        async with (
            DeviceClient(office.server.url, office.tokens["display"]) as display,
            DeviceClient(office.server.url, office.tokens["kiosk"]) as kiosk,
            DeviceClient(office.server.url, office.tokens["counter1"]) as one,
            DeviceClient(office.server.url, office.tokens["counter2"]) as two,
        ):
            await asyncio.gather(*(c.wait_online(5) for c in (display, kiosk, one, two)))
            tick = office.clock.advance
            for service in "ABCAABCA":
                await kiosk.send(IssueTicketCommand(site="demo", service=service))
                tick(seconds=30)
            first = await one.send(CallNextCommand(site="demo", counter=1))
            tick(seconds=30)
            await two.send(CallNextCommand(site="demo", counter=2))
            assert first is not None
            tick(seconds=30)
            await one.send(TicketCommand(type="no_show", ticket_id=first["id"]))
            await two.send(CallNextCommand(site="demo", counter=2))
            tick(seconds=30)
            await one.send(CallNextCommand(site="demo", counter=1))
            await kiosk.send(IssueTicketCommand(site="demo", service="B"))
            expected = office.snapshot()
            async with asyncio.timeout(5):
                while display.snapshot is None or display.snapshot.seq < expected.seq:
                    await asyncio.sleep(0.01)
            got = display.snapshot
        assert got.seq == expected.seq
        assert [t.id for t in got.waiting] == [t.id for t in expected.waiting]
        assert [c.current for c in got.counters] == [c.current for c in expected.counters]
        assert [(s.code, s.waiting, s.issued_today) for s in got.services] == [
            (s.code, s.waiting, s.issued_today) for s in expected.services
        ]
        assert got.recent_calls == expected.recent_calls

    asyncio.run(scenario())
