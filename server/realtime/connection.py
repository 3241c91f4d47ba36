"""uvicorn's websocket protocol, holding less for each idle connection.

uvicorn keeps, for every open websocket: an `asyncio.Queue` of incoming
messages (four deques inside), an `asyncio.Event` for "the transport may be
written" (one more deque), and the handshake's request and response objects
with their headers, which it needs only until the socket is accepted. With
thousands of idle screens per process that is a quarter of what a connection
costs. `LeanWebSocketProtocol` swaps the queue and the event for two small
slotted objects that behave the same for uvicorn's use of them, and lets go
of the handshake once accepted. Everything else is uvicorn's own code.

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

log = logging.getLogger(__name__)

RELIED_ON = {"queue", "writable", "request", "response", "put_nowait", "empty", "get", "wait"}
"""Attributes and calls of uvicorn's protocol that the lean one replaces or clears."""


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


@cache
def protocol_class() -> type[asyncio.Protocol]:
    """The lean protocol, or uvicorn's own if this uvicorn's differs from what it relies on."""
    used = {
        name
        for method in vars(WebSocketsSansIOProtocol).values()
        if hasattr(method, "__code__")
        for name in method.__code__.co_names
    }
    if not used >= RELIED_ON:
        log.warning("uvicorn's websocket protocol changed: using it unchanged")
        return WebSocketsSansIOProtocol
    return LeanWebSocketProtocol
