"""What strangers can cost a real server process before they say who they are.

Measured on `antrean server` in its own process, from its resident memory
(`/proc/PID/status`; the peak is reset before each attack through
`/proc/PID/clear_refs`). Two attacks: thirty sockets that each send a 16 MiB
hello at once, and the worst case the limits allow, every waiting slot holding
a hello just under uvicorn's message limit that never ends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from antrean.client import websocket_url
from antrean.messages import WEBSOCKET_PATH
from antrean.protocol import PROTOCOL_VERSION
from server.config import ServerSettings
from server.realtime.session import CLOSE_TRY_AGAIN_LATER
from tests.conftest import make_demo_database
from tests.realtime.conftest import next_frame, register_devices
from tests.realtime.processes import memory_kib, start_server, stop_server

MIB = 1024 * 1024
OVERSIZED_HELLOS = 30
OVERSIZED = 16 * MIB
DEFAULTS = ServerSettings(data_dir=Path("/nonexistent"))
SLOTS = DEFAULTS.ws_max_pending_hellos
TRANSPORT_LIMIT = DEFAULTS.ws_max_message_bytes
TURNED_AWAY = 10
# Generous for the figures measured (see docs/realtime.md), and far below the
# 0.7-1 GiB that thirty 16 MiB hellos cost when uvicorn took them whole.
BOUND_MIB = 64


class RawSocket:
    """A websocket client written by hand, to send frames no library would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def upgrade(cls, port: int) -> tuple[int, str, RawSocket]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {WEBSOCKET_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        return int(head.split()[1]), head, cls(reader, writer)

    async def send_text(self, length: int, sent: int | None = None) -> None:
        """A text frame that says it holds `length` bytes; only `sent` of them follow."""
        if length < 126:
            header = bytes([0x81, 0x80 | length])
        elif length < 65536:
            header = bytes([0x81, 0x80 | 126]) + struct.pack("!H", length)
        else:
            header = bytes([0x81, 0x80 | 127]) + struct.pack("!Q", length)
        self.writer.write(header + b"\0\0\0\0")  # a zero mask leaves the payload as it is
        payload = b'{"type": "hello", "token": "' + b"x" * length
        self.writer.write(payload[: length if sent is None else sent])
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    async def receive(self) -> tuple[int, bytes]:
        """One frame from the server (which never masks): its opcode and payload."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def ended(self, timeout: float = 10) -> bool:
        """Did the server end the connection (EOF, or a reset for what it left unread) in time?"""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except ConnectionError:
            pass
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.writer.transport.abort()


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[int, str, dict[str, str]]]:
    db = make_demo_database(sqlite_url)
    tokens, _ = register_devices(db, datetime.now(UTC))
    db.dispose()
    process, url = start_server(sqlite_url, tmp_path, ws_hello_timeout="60")
    yield process.pid, url, tokens
    stop_server(process)


def reset_peak(pid: int) -> int:
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_kib(pid)["VmRSS"]


def growth_mib(pid: int, before_kib: int) -> float:
    return (memory_kib(pid)["VmHWM"] - before_kib) / 1024


def test_strangers_cost_a_bounded_amount_of_memory(
    server: tuple[int, str, dict[str, str]],
) -> None:
    pid, url, tokens = server
    port = int(url.rsplit(":", 1)[1])

    async def display_connects() -> None:
        async with connect(websocket_url(url), compression=None, open_timeout=10) as ws:
            hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "token": tokens["display"]}
            await ws.send(json.dumps(hello))
            assert (await next_frame(ws, timeout=10))["type"] == "welcome"
            assert (await next_frame(ws, timeout=10))["type"] == "snapshot"

    async def oversized_hello() -> bool:
        status, _, raw = await RawSocket.upgrade(port)
        assert status == 101
        await raw.send_text(OVERSIZED)
        ended = await raw.ended()
        raw.close()
        return ended

    async def scenario() -> tuple[float, float]:
        await display_connects()  # warm: every module of the socket's path is loaded
        assert await oversized_hello()
        await asyncio.sleep(0.5)

        # The attack: thirty 16 MiB hellos at once, none authenticated.
        before = reset_peak(pid)
        ended = await asyncio.gather(*(oversized_hello() for _ in range(OVERSIZED_HELLOS)))
        assert all(ended)  # each was cut off at its header, not read
        oversized_growth = growth_mib(pid, before)

        # The worst the limits allow: every slot holds a hello just under uvicorn's
        # limit that never ends; sockets beyond the slots are turned away at once.
        before = reset_peak(pid)
        held: list[RawSocket] = []
        for _ in range(SLOTS):
            status, _, raw = await RawSocket.upgrade(port)
            assert status == 101
            held.append(raw)
        for _ in range(TURNED_AWAY):
            status, _, raw = await RawSocket.upgrade(port)
            assert status == 101
            opcode, refused = await raw.receive()
            assert (opcode, json.loads(refused)["code"]) == (0x1, "server_busy")
            opcode, closing = await raw.receive()
            assert (opcode, struct.unpack("!H", closing[:2])[0]) == (0x8, CLOSE_TRY_AGAIN_LATER)
            raw.close()
        await asyncio.gather(*(r.send_text(TRANSPORT_LIMIT - 1, TRANSPORT_LIMIT - 2) for r in held))
        await asyncio.sleep(1)
        worst_growth = growth_mib(pid, before)
        for raw in held:
            raw.close()

        # The slots come free when strangers leave, and devices connect as before.
        async with asyncio.timeout(10):
            while True:
                try:
                    await display_connects()
                    break
                except Exception:
                    await asyncio.sleep(0.1)
        return oversized_growth, worst_growth

    oversized_growth, worst_growth = asyncio.run(scenario())
    print(
        f"\nresident memory growth: {OVERSIZED_HELLOS} x 16 MiB hellos {oversized_growth:.1f} MiB; "
        f"{SLOTS} slots x {TRANSPORT_LIMIT // 1024} KiB unfinished hellos "
        f"{worst_growth:.1f} MiB"
    )
    assert oversized_growth < BOUND_MIB
    assert worst_growth < BOUND_MIB
