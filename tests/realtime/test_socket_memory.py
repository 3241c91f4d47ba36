"""What an idle screen's socket keeps on the server: one task, no handshake, no writer."""

from __future__ import annotations

import asyncio
import concurrent.futures

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.realtime.connection import LeanWebSocketProtocol, protocol_class
from tests.realtime.conftest import Office, greeted

SCREENS = 20


def on_server_loop(office: Office, job: object) -> object:
    assert office.server.app is not None
    loop = office.server.app.state.realtime.loop
    future: concurrent.futures.Future[object] = concurrent.futures.Future()
    loop.call_soon_threadsafe(lambda: future.set_result(job()))  # type: ignore[operator]
    return future.result(5)


def test_an_idle_socket_holds_one_task_and_no_handshake(office: Office) -> None:
    assert protocol_class() is LeanWebSocketProtocol  # what `antrean server` runs
    with office.db.writing() as work:
        tokens = [
            add_device(work, "demo", DeviceKind.DISPLAY, office.clock(), name=f"tv {n}")[1]
            for n in range(SCREENS)
        ]
    assert office.server._server is not None
    state = office.server._server.server_state

    def tasks() -> int:
        return len(asyncio.all_tasks())

    def sockets() -> list[LeanWebSocketProtocol]:
        return [c for c in state.connections if isinstance(c, LeanWebSocketProtocol)]

    async def scenario() -> tuple[int, int, list[LeanWebSocketProtocol]]:
        await asyncio.sleep(0.5)
        before = on_server_loop(office, tasks)
        screens = [(await greeted(office, token))[0] for token in tokens]
        await asyncio.sleep(1.5)  # every snapshot sent, every writer finished
        after = on_server_loop(office, tasks)
        open_sockets = on_server_loop(office, sockets)
        for ws in screens:
            await ws.close()
        return before, after, open_sockets  # type: ignore[return-value]

    before, after, open_sockets = asyncio.run(scenario())
    assert after - before == SCREENS  # the connection's own task: no writer, no reader of ours
    assert len(open_sockets) == SCREENS
    assert all(s.request is None and s.response is None for s in open_sockets)
    assert office.server.app is not None
    sessions = office.server.app.state.realtime.sessions
    assert all(s.outbox._items is None for s in sessions)  # not even an empty queue
