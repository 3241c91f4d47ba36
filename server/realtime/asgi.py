"""A device socket straight on ASGI: the few calls a session needs, and nothing kept per frame.

A city runs thousands of idle screens per process, so what one connection
holds matters. Going through FastAPI's router and middleware kept a dozen
suspended frames, exit stacks and a starlette `WebSocket` alive for each
socket for as long as it stayed open (about 15 KiB). `SocketFirst` answers
`/ws` before any of that, with this small wrapper around the server's own
`receive` and `send`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

from antrean.messages import WEBSOCKET_PATH
from server.api.direct import DirectCommands

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Scope = MutableMapping[str, Any]
SocketHandler = Callable[["AsgiSocket"], Awaitable[None]]


class Disconnected(Exception):
    """The device went away before the socket was accepted."""


class AsgiSocket:
    """One websocket connection as the ASGI server hands it over."""

    __slots__ = ("_receive", "_scope", "_send")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._scope: Scope | None = scope
        self._receive = receive
        self._send = send

    def header(self, name: str) -> str:
        wanted = name.lower().encode("latin-1")
        headers: list[tuple[bytes, bytes]] = self._scope.get("headers", []) if self._scope else []
        for key, value in headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return ""

    def forget_handshake(self) -> None:
        """The request's headers are no longer needed (the hello is checked): let them go."""
        if self._scope is not None:
            self._scope["headers"] = []
            self._scope = None

    async def accept(self) -> None:
        # ASGI: the server's first message is `websocket.connect`; only then accept.
        message = await self._receive()
        if message["type"] != "websocket.connect":
            raise Disconnected
        await self._send({"type": "websocket.accept"})

    async def receive(self) -> Message:
        """The next ASGI message: `websocket.receive` (with `text` or `bytes`) or
        `websocket.disconnect`."""
        return await self._receive()

    async def send_text(self, text: str) -> None:
        """Raises OSError (or RuntimeError) once the connection is gone."""
        await self._send({"type": "websocket.send", "text": text})

    async def close(self, code: int, reason: str = "") -> None:
        await self._send({"type": "websocket.close", "code": code, "reason": reason})


class SocketFirst(FastAPI):
    """FastAPI, except that the device socket, and the kiosk's and the keypad's commands
    over REST (`server.api.direct`), are answered before routing and middleware."""

    socket_handler: SocketHandler | None = None
    direct_commands: DirectCommands | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.socket_handler
        if (
            handler is not None
            and scope["type"] == "websocket"
            and scope["path"].removeprefix(scope.get("root_path", "")) == WEBSOCKET_PATH
        ):
            await handler(AsgiSocket(scope, receive, send))
            return
        direct = self.direct_commands
        if direct is not None and (found := direct.route_for(scope)) is not None:
            await direct.serve(found, scope, receive, send, super().__call__)
            return
        await super().__call__(scope, receive, send)
