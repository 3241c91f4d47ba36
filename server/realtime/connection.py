"""uvicorn's websocket protocol, holding less for each idle connection.

uvicorn keeps, for every open websocket: an `asyncio.Queue` of incoming
messages (four deques inside), an `asyncio.Event` for "the transport may be
written" (one more deque), and the handshake's request and response objects
with their headers, which it needs only until the socket is accepted. With
thousands of idle screens per process that is a quarter of what a connection
costs. `LeanWebSocketProtocol` swaps the queue and the event for two small
slotted objects that behave the same for uvicorn's use of them, and lets go
of the handshake once accepted. websockets' frame parser, a generator, keeps
the handshake's request (every header) and the last frame read in its
suspended frames for as long as the connection lasts: it is started afresh
whenever it rests between frames. And receive() waits in one coroutine, not
two. Everything else is uvicorn's and websockets' own code.

If a uvicorn release changes what this relies on, `protocol_class()` says so
in the log and uvicorn's protocol is used unchanged: the server works as
before, only heavier per connection.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import OPEN, Protocol
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

log = logging.getLogger(__name__)

RELIED_ON = {
    "queue", "writable", "request", "response", "put_nowait", "empty", "get", "wait", "conn",
    "read_paused", "resume_reading", "send_receive_event_to_app",
}
"""Attributes and calls of uvicorn's protocol that the lean one replaces or clears."""

UVICORN_RECEIVE = ("queue", "get", "read_paused", "empty", "transport", "resume_reading")
"""What uvicorn's receive() does, which the lean one does in one coroutine instead of two."""

WAITING_FOR_A_FRAME = (Protocol.parse.__code__, StreamReader.at_eof.__code__)
"""Where websockets' parser rests between frames, innermost last."""


class MessageQueue:
    """What uvicorn asks of its incoming-message queue: put_nowait, get, empty."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    async def get(self) -> Any:
        # One reader per connection (the application's receive()).
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Flag:
    """What uvicorn asks of its "writable" event: set, clear, is_set, wait."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = True
        self._waiter: asyncio.Future[None] | None = None

    def set(self) -> None:
        self._set = True
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    async def wait(self) -> bool:
        while not self._set:
            if self._waiter is None:
                self._waiter = asyncio.get_running_loop().create_future()
            # Shielded: one waiter giving up must not wake or fail the others.
            await asyncio.shield(self._waiter)
        return True


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol with the lighter queue and flag.

    Defined at module level: `--workers` hands it to each worker process by name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Typed as asyncio's classes in uvicorn; these offer the same calls (RELIED_ON).
        self.queue = MessageQueue()  # type: ignore[assignment]  # same calls, see above
        self.writable = Flag()  # type: ignore[assignment]  # same calls, see above

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            # Used only to answer the handshake, which has gone out now.
            self.request = None  # type: ignore[assignment]  # not read after the accept
            self.response = None  # type: ignore[assignment]  # not read after the accept
            self.restart_parser()

    def send_receive_event_to_app(self) -> None:
        super().send_receive_event_to_app()
        self.restart_parser()  # the frame just read goes with the parser's old frame

    async def receive(self) -> Any:
        # uvicorn's receive() awaiting queue.get(), as one coroutine: it stays suspended
        # in every idle connection.
        queue = self.queue
        assert isinstance(queue, MessageQueue)
        while not queue._items:
            queue._waiter = self.loop.create_future()
            try:
                await queue._waiter
            finally:
                queue._waiter = None
        message = queue._items.pop(0)
        if self.read_paused and not queue._items:
            self.read_paused = False
            self.transport.resume_reading()
        return message

    def restart_parser(self) -> None:
        """Start websockets' frame parser afresh when it rests between frames.

        The parser is a generator that keeps its locals while it waits for data: the
        handshake's request with every header (ServerProtocol.parse, which then only
        delegates to Protocol.parse for the rest of the connection) and the last frame
        read. A new Protocol.parse, started where the old one rests, reads the next
        frame exactly as it would have.
        """
        conn = self.conn
        if conn.state is not OPEN or conn.reader.buffer or conn.parser_exc is not None:
            return
        chain = []
        generator: Any = conn.parser
        while generator is not None:
            chain.append(generator.gi_code)
            generator = generator.gi_yieldfrom
        if tuple(chain[-2:]) != WAITING_FOR_A_FRAME or not set(chain[:-2]) <= {
            ServerProtocol.parse.__code__
        }:
            return
        parser = Protocol.parse(conn)
        next(parser)  # to its first wait for data, as websockets starts it
        conn.parser = parser


@cache
def protocol_class() -> type[asyncio.Protocol]:
    """The lean protocol, or uvicorn's own if this uvicorn's differs from what it relies on."""
    used = {
        name
        for method in vars(WebSocketsSansIOProtocol).values()
        if hasattr(method, "__code__")
        for name in method.__code__.co_names
    }
    if not used >= RELIED_ON or WebSocketsSansIOProtocol.receive.__code__.co_names != (
        UVICORN_RECEIVE
    ):
        log.warning("uvicorn's websocket protocol changed: using it unchanged")
        return WebSocketsSansIOProtocol
    return LeanWebSocketProtocol
