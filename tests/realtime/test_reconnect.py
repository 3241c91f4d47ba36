"""Through server restarts, lost answers, gaps and revoked tokens, clients stay right."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from websockets.asyncio.server import ServerConnection, serve

from antrean.client import ClientUpdate, ConnectionState, DeviceClient
from antrean.health import DeviceHealth, PrinterState
from antrean.protocol import (
    CallNextCommand,
    EventView,
    IssueTicketCommand,
    QueueSnapshot,
)
from antrean.vocabulary import EventType
from server.admin import revoke_device
from server.engine.commands import find_site
from server.store import accounts
from tests.realtime.conftest import Office, command, greeted, next_frame


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def agrees(client: QueueSnapshot | None, server: QueueSnapshot) -> bool:
    return (
        client is not None
        and client.seq == server.seq
        and [t.id for t in client.waiting] == [t.id for t in server.waiting]
        and [c.current for c in client.counters] == [c.current for c in server.counters]
        and [s.waiting for s in client.services] == [s.waiting for s in server.services]
    )


def test_server_restart_mid_stream(office: Office) -> None:
    async def scenario() -> None:
        display = DeviceClient(office.server.url, office.tokens["display"], max_backoff=0.5)
        kiosk = DeviceClient(office.server.url, office.tokens["kiosk"], max_backoff=0.5)
        counter = DeviceClient(office.server.url, office.tokens["counter1"], max_backoff=0.5)
        events: list[EventView] = []
        display.on_change(lambda u: events.append(u.event) if u.event else None)
        async with display, kiosk, counter:
            await asyncio.gather(*(c.wait_online(5) for c in (display, kiosk, counter)))
            for service in "AAC":
                await kiosk.send(IssueTicketCommand(site="demo", service=service))
            await counter.send(CallNextCommand(site="demo", counter=1))
            await until(lambda: display.snapshot is not None and display.snapshot.seq == 4)

            await asyncio.to_thread(office.server.stop)
            await until(lambda: display.state is not ConnectionState.ONLINE)
            # While the server is down the office goes on (say, from the command line).
            office.execute("kiosk", IssueTicketCommand(site="demo", service="B"))
            office.execute("counter2", CallNextCommand(site="demo", counter=2))
            office.clock.advance(seconds=10)
            office.execute("counter1", CallNextCommand(site="demo", counter=1))
            await asyncio.to_thread(office.server.start)

            await asyncio.gather(*(c.wait_online(10) for c in (display, kiosk, counter)))
            expected = office.snapshot()
            await until(lambda: agrees(display.snapshot, expected))
            # And the stream goes on from the new snapshot without a gap.
            await kiosk.send(IssueTicketCommand(site="demo", service="E"))
            await until(lambda: agrees(display.snapshot, office.snapshot()))
        assert expected.seq == 8  # 4 before the restart, 4 while down (a call finishes A001)
        seqs = [e.seq for e in events]
        assert seqs[:4] == [1, 2, 3, 4] and seqs[-1] == 9
        assert seqs == sorted(set(seqs))

    asyncio.run(scenario())


def test_a_lost_answer_is_retried_after_reconnect_without_a_second_ticket(
    make_office: Callable[..., Office],
) -> None:
    committed = threading.Event()
    first_start = [True]

    def slow_answers(app: FastAPI) -> None:
        if not first_start[0]:
            return
        first_start[0] = False
        operations = app.state.operations
        execute = operations.execute

        def execute_then_stall(*args: Any, **kwargs: Any) -> Any:
            outcome = execute(*args, **kwargs)
            committed.set()
            time.sleep(1.5)  # the server goes down before this answer leaves
            return outcome

        operations.execute = execute_then_stall

    office = make_office(prepare=slow_answers)

    async def scenario() -> None:
        kiosk = DeviceClient(office.server.url, office.tokens["kiosk"], max_backoff=0.5)
        async with kiosk:
            await kiosk.wait_online(5)
            sending = asyncio.create_task(
                kiosk.send(
                    IssueTicketCommand(site="demo", service="A"),
                    request_id="print-0001",
                    timeout=20,
                )
            )
            assert await asyncio.to_thread(committed.wait, 5)
            await asyncio.to_thread(office.server.stop)
            assert not sending.done()
            await asyncio.to_thread(office.server.start)
            answer = await sending
        assert answer is not None
        with office.db.reading() as work:
            site = find_site(work, "demo")
            tickets = [(t.id, t.code) for t in work.tickets_of_site(site.id)]
        assert tickets == [
            (answer["ticket"]["id"], answer["ticket"]["code"])
        ]

    asyncio.run(scenario())


def test_events_written_past_the_server_reach_sockets_in_order(office: Office) -> None:
    """The hub fills a gap in seq from the database instead of making everyone resync."""

    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["display"])
        kiosk, _ = await greeted(office, office.tokens["kiosk"])
        await command(kiosk, "k1", {"type": "issue_ticket", "site": "demo", "service": "A"})
        assert (await next_frame(ws, "event"))["event"]["seq"] == 1
        office.execute("kiosk", IssueTicketCommand(site="demo", service="B"))  # seq 2, unseen
        office.execute("kiosk", IssueTicketCommand(site="demo", service="C"))  # seq 3, unseen
        await command(kiosk, "k2", {"type": "issue_ticket", "site": "demo", "service": "D"})
        frames = [await next_frame(ws) for _ in range(3)]
        assert [(f["type"], f["event"]["seq"]) for f in frames] == [
            ("event", 2), ("event", 3), ("event", 4),
        ]
        assert [f["event"]["ticket"]["code"] for f in frames] == ["B001", "C001", "D001"]
        await ws.close()
        await kiosk.close()

    asyncio.run(scenario())


def test_asking_for_a_resync_gets_a_snapshot_and_the_stream_continues(office: Office) -> None:
    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["display"])
        kiosk, _ = await greeted(office, office.tokens["kiosk"])
        for n in range(3):
            await command(kiosk, f"k{n}", {"type": "issue_ticket", "site": "demo", "service": "A"})
        await ws.send(json.dumps({"type": "resync", "last_seq": 1}))
        frame = await next_frame(ws, "snapshot")
        assert frame["reason"] == "resync" and frame["snapshot"]["seq"] == 3
        assert [t["code"] for t in frame["snapshot"]["waiting"]] == ["A001", "A002", "A003"]
        await command(kiosk, "k9", {"type": "issue_ticket", "site": "demo", "service": "A"})
        assert (await next_frame(ws, "event"))["event"]["seq"] == 4
        await ws.close()
        await kiosk.close()

    asyncio.run(scenario())


def test_the_client_asks_for_a_snapshot_when_it_sees_a_gap(office: Office) -> None:
    """A stand-in server skips seq 3; the client must ask again rather than drift."""
    real = office.snapshot()
    resyncs: list[dict[str, Any]] = []

    def event(seq: int) -> str:
        view = EventView(
            seq=seq, site="demo", type=EventType.COUNTER_CHANGED, at=real.site.local_time,
            counter=4, data={"state": "paused" if seq % 2 else "open"},
        )
        return json.dumps({"type": "event", "event": view.model_dump(mode="json")})

    def snapshot_frame(seq: int, reason: str) -> str:
        body = real.model_copy(update={"seq": seq}).model_dump(mode="json")
        return json.dumps({"type": "snapshot", "reason": reason, "snapshot": body})

    async def stand_in(ws: ServerConnection) -> None:
        json.loads(await ws.recv())  # hello
        await ws.send(json.dumps({"type": "welcome", "server_version": "x", "site": "demo",
                                  "caller": {"label": "device:1"}}))
        await ws.send(snapshot_frame(1, "hello"))
        for seq in (2, 4, 5):
            await ws.send(event(seq))
        resyncs.append(json.loads(await ws.recv()))
        await ws.send(event(6))  # sent before the snapshot: must be ignored
        await ws.send(snapshot_frame(5, "resync"))
        await ws.send(event(6))
        await ws.wait_closed()

    async def scenario() -> None:
        updates: list[ClientUpdate] = []
        async with serve(stand_in, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            async with DeviceClient(f"http://127.0.0.1:{port}", "atd_x") as client:
                client.on_change(updates.append)
                await until(lambda: client.snapshot is not None and client.snapshot.seq == 6)
        assert resyncs == [{"type": "resync", "last_seq": 2}]
        applied = [(u.kind, u.snapshot.seq if u.snapshot else None) for u in updates
                   if u.kind != "state"]
        assert applied == [("snapshot", 1), ("event", 2), ("snapshot", 5), ("event", 6)]

    asyncio.run(scenario())


def test_health_reports_are_stored_and_revoked_devices_are_closed(
    make_office: Callable[..., Office],
) -> None:
    office = make_office(ws_refresh_seconds=0.3)
    health = DeviceHealth(version="1.2.3", uptime_seconds=42, printer=PrinterState.PAPER_NEAR_END)

    def stored() -> dict[str, Any]:
        with office.db.reading() as work:
            device = accounts.device(work, office.device_ids["kiosk"])
            assert device is not None
            return dict(device.health) | {"seen": device.last_seen_at is not None}

    async def scenario() -> None:
        kiosk = DeviceClient(office.server.url, office.tokens["kiosk"], refused_retry=60)
        reasons: list[str] = []
        async with kiosk:
            await kiosk.report_health(health)  # before connecting: kept, sent once online
            await kiosk.wait_online(5)
            await until(lambda: stored().get("printer") == "paper_near_end")
            assert stored()["version"] == "1.2.3" and stored()["seen"]
            kiosk.on_change(lambda u: reasons.append(u.kind))
            await until(lambda: "snapshot" in reasons, 5)  # the periodic refresh
            with office.db.writing() as work:
                revoke_device(work, office.device_ids["kiosk"], office.clock())
            await until(lambda: kiosk.state is ConnectionState.REFUSED, 5)
            assert kiosk.refusal is not None and kiosk.refusal.code == "device_revoked"

    asyncio.run(scenario())
