"""A device that sends a burst and reads its answers is slowed down, never dropped;
one that stops reading is dropped, and costs the server nothing meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from antrean.protocol import PROTOCOL_VERSION
from server.realtime.session import ANSWER_LIMIT
from tests.realtime.conftest import Office, greeted, next_frame

BURST = 1000


async def burst_and_read(ws: ClientConnection, frames: list[str]) -> list[dict[str, Any]]:
    """Send every frame without waiting for answers, while another task reads them."""
    answers: list[dict[str, Any]] = []

    async def read() -> None:
        while len(answers) < len(frames):
            answers.append(json.loads(await ws.recv()))

    reader = asyncio.create_task(read())
    for frame in frames:
        await ws.send(frame)
    async with asyncio.timeout(60):
        await reader
    return answers


@pytest.mark.parametrize("kind", ["pings", "commands missing fields"])
def test_a_reading_device_survives_a_burst_of_cheap_frames(office: Office, kind: str) -> None:
    assert BURST > 5 * ANSWER_LIMIT  # far more answers than may wait unsent at once

    async def scenario() -> None:
        ws, _ = await greeted(office, office.tokens["counter1"])
        if kind == "pings":
            frames = [json.dumps({"type": "ping", "nonce": f"n{i}"}) for i in range(BURST)]
        else:
            frames = [
                json.dumps({"type": "command", "request_id": f"r{i}", "command": {}})
                for i in range(BURST)
            ]
        answers = await burst_and_read(ws, frames)
        if kind == "pings":
            assert answers == [{"type": "pong", "nonce": f"n{i}"} for i in range(BURST)]
        else:
            assert [(a["code"], a["request_id"]) for a in answers] == [
                ("invalid_request", f"r{i}") for i in range(BURST)
            ]
        # Still connected, still served.
        await ws.send(json.dumps({"type": "ping", "nonce": "end"}))
        assert await next_frame(ws) == {"type": "pong", "nonce": "end"}
        assert ws.close_code is None
        await ws.close()

    asyncio.run(scenario())


def test_a_device_that_stops_reading_is_dropped(make_office: Any) -> None:
    office: Office = make_office(ws_send_timeout=0.5)

    async def scenario() -> None:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.setblocking(False)
        await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", office.server.port))
        ws = await connect(office.server.ws_url, sock=raw, compression=None, max_size=None)
        hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": office.tokens["kiosk"]}
        await ws.send(json.dumps(hello))
        assert (await next_frame(ws))["type"] == "welcome"
        # From here on it asks for snapshots and pings, and reads nothing.
        realtime = office.server.app.state.realtime  # type: ignore[union-attr]
        (session,) = realtime.sessions
        longest = 0
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            async with asyncio.timeout(20):
                for i in range(100_000):
                    await ws.send(json.dumps({"type": "resync"}))
                    await ws.send(json.dumps({"type": "ping", "nonce": str(i)}))
                    longest = max(longest, len(session.outbox))
                    if session not in realtime.sessions:
                        break
        async with asyncio.timeout(10):
            while session in realtime.sessions:
                await asyncio.sleep(0.05)
        # What waited for it stayed bounded: the server stopped reading from it instead.
        assert longest <= ANSWER_LIMIT + 2
        ws.transport.abort()

    asyncio.run(scenario())
