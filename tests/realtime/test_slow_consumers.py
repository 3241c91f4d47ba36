"""A device that stops reading is resynced or dropped; the others never wait for it."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from antrean.protocol import PROTOCOL_VERSION, EventView
from antrean.vocabulary import EventType
from tests.realtime.conftest import Office, greeted, next_frame

EVENTS = 300
PADDING = 50_000  # 300 × 50 kB: far more than the kernel buffers hold for a socket


def fat_events() -> list[EventView]:
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    return [
        EventView(
            seq=seq, site="demo", type=EventType.COUNTER_CHANGED, at=at, counter=4,
            data={"state": "open", "padding": "x" * PADDING},
        )
        for seq in range(1, EVENTS + 1)
    ]


async def stalled_socket(office: Office, token: str) -> ClientConnection:
    """A device that says hello and then reads nothing, with a tiny receive buffer."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", office.server.port))
    ws = await connect(office.server.ws_url, sock=raw, compression=None, max_size=None)
    await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
    assert (await next_frame(ws))["type"] == "welcome"
    assert (await next_frame(ws))["type"] == "snapshot"
    return ws


async def drain(ws: ClientConnection, timeout: float = 10) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                frames.append(json.loads(await ws.recv()))
    except (TimeoutError, ConnectionClosed):
        pass
    return frames


@pytest.mark.parametrize("limit", ["queue", "send_timeout"])
def test_a_stalled_device_does_not_hold_up_the_others(make_office: Any, limit: str) -> None:
    settings = (
        {"ws_outbox_limit": 16, "ws_send_timeout": 60}
        if limit == "queue"
        else {"ws_outbox_limit": 10_000, "ws_send_timeout": 0.5}
    )
    office: Office = make_office(**settings)

    async def scenario() -> None:
        fast, _ = await greeted(office, office.tokens["display"])
        slow = await stalled_socket(office, office.tokens["kiosk"])
        hub = office.server.app.state.realtime.hub  # type: ignore[union-attr]
        events = fat_events()
        seen = []
        async with asyncio.timeout(30):
            for start in range(0, EVENTS, 5):
                # A steady stream the fast display keeps up with.
                await asyncio.to_thread(hub.publish, events[start : start + 5])
                while len(seen) < start + 5:
                    seen.append((await next_frame(fast, "event"))["event"]["seq"])
        assert seen == list(range(1, EVENTS + 1))
        await asyncio.sleep(1)  # the stalled device keeps not reading for a while

        frames = await drain(slow, timeout=3)
        kinds = [f["type"] for f in frames]
        cut = kinds.index("snapshot") if "snapshot" in kinds else len(frames)
        before = [f["event"]["seq"] for f in frames[:cut]]
        # What the kernel had taken before it stalled arrives, in order, then no more deltas.
        assert 0 < len(before) < EVENTS and before == list(range(1, len(before) + 1))
        if limit == "queue":
            # Fell behind: the backlog was swapped for one fresh snapshot.
            assert frames[cut]["reason"] == "behind"
            assert kinds.count("snapshot") == 1 and slow.close_code is None
        else:
            # Would not take a frame in time: dropped, to reconnect and resync.
            assert cut == len(frames) and slow.close_code is not None
        await fast.close()
        await slow.close()

    asyncio.run(scenario())
