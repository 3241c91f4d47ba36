"""What an idle screen's socket keeps on the server: one task, no handshake, no writer,
no frame already read, and no office's snapshot once it is too old to serve anyone."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from typing import Any

from websockets.frames import Frame
from websockets.http11 import Request
from websockets.protocol import Protocol
from websockets.streams import StreamReader

from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.realtime.connection import LeanWebSocketProtocol, protocol_class
from server.realtime.snapshots import MAX_AGE
from tests.realtime.conftest import Office, greeted, next_frame

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


def parser_chain(socket: LeanWebSocketProtocol) -> list[tuple[object, list[Any]]]:
    """websockets' suspended parser, outermost first: each generator's code and locals."""
    chain = []
    generator: Any = socket.conn.parser
    while generator is not None:
        chain.append((generator.gi_code, list(generator.gi_frame.f_locals.values())))
        generator = generator.gi_yieldfrom
    return chain


def test_an_idle_socket_keeps_no_request_no_frame_and_no_old_snapshot(office: Office) -> None:
    with office.db.writing() as work:
        tokens = [
            add_device(work, "demo", DeviceKind.DISPLAY, office.clock(), name=f"tv {n}")[1]
            for n in range(SCREENS)
        ]
    assert office.server._server is not None and office.server.app is not None
    state = office.server._server.server_state
    realtime = office.server.app.state.realtime

    def parsers() -> list[list[tuple[object, list[Any]]]]:
        return [
            parser_chain(c) for c in state.connections if isinstance(c, LeanWebSocketProtocol)
        ]

    async def scenario() -> tuple[list[str], list[list[tuple[object, list[Any]]]], int]:
        screens = [(await greeted(office, token))[0] for token in tokens]
        # Frames after the parser was started afresh still arrive whole: one message in
        # three websocket fragments, then one in a single frame.
        await screens[0].send(['{"type":"ping",', '"nonce":', '"in pieces"}'])
        await screens[0].send(json.dumps({"type": "ping", "nonce": "whole"}))
        nonces = [(await next_frame(screens[0], "pong"))["nonce"] for _ in range(2)]
        await asyncio.sleep(MAX_AGE + 0.5)  # past the age at which a snapshot is shared
        chains = on_server_loop(office, parsers)
        cached = on_server_loop(office, lambda: len(realtime.snapshots._cache))
        for ws in screens:
            await ws.close()
        return nonces, chains, cached  # type: ignore[return-value]

    nonces, chains, cached = asyncio.run(scenario())
    assert nonces == ["in pieces", "whole"]
    assert len(chains) == SCREENS
    resting = [Protocol.parse.__code__, StreamReader.at_eof.__code__]
    for chain in chains:
        # Not websockets' ServerProtocol.parse, which holds the handshake's request.
        assert [code for code, _ in chain] == resting
        held = [value for _, values in chain for value in values]
        assert not [v for v in held if isinstance(v, Request | Frame)]
    assert cached == 0  # every office's shared snapshot let go
