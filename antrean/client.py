"""The reconnecting device client: one task owns the socket, everyone else reads its state.

Kiosk, counter keypad and display all use it. It says hello, keeps the site's
snapshot current with the deltas, asks for a fresh snapshot when it sees a gap,
and reconnects with jittered backoff when the network or the server goes away.
Commands wait in `send()` until the server answers; after a reconnect they are
sent again with the same request id, so the server never carries one out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

import antrean
from antrean.deltas import apply_event
from antrean.health import DeviceHealth
from antrean.messages import (
    REFUSAL_CLOSE_CODES,
    WEBSOCKET_PATH,
    CommandMessage,
    ErrorMessage,
    EventMessage,
    HealthReport,
    Hello,
    Refused,
    Result,
    ResyncRequest,
    SnapshotMessage,
    Text,
    Welcome,
    server_message,
)
from antrean.protocol import PROTOCOL_VERSION, Command, EventView, QueueSnapshot
from antrean.tasks import cancel_and_wait

log = logging.getLogger(__name__)

_command: TypeAdapter[Command] = TypeAdapter(Command)

MIN_BACKOFF = 0.25
REFUSED_RETRY = 30.0
IN_PROGRESS_RETRY = 0.25
MAX_SERVER_FRAME = 8 * 1024 * 1024


class ConnectionState(StrEnum):
    CONNECTING = "connecting"  # first attempt, or an attempt after a loss
    ONLINE = "online"  # hello done, snapshot received, deltas flowing
    OFFLINE = "offline"  # lost; waiting to try again
    REFUSED = "refused"  # token refused or protocol too old; tries again slowly

    @property
    def is_online(self) -> bool:
        return self is ConnectionState.ONLINE


class ClientError(Exception):
    """Root of the client's errors."""


class CommandFailed(ClientError):
    """The server refused the command (not allowed, queue closed, nobody to call…)."""

    def __init__(
        self, code: str, message: dict[str, str], details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message.get('en', '')}")
        self.code = code
        self.message = message
        self.details = details or {}


class CommandTimeout(ClientError, TimeoutError):
    """No answer in time. Sending again with the same request id is safe."""


class ClientStopped(ClientError):
    """The client was stopped while the command waited."""


@dataclass(frozen=True)
class ClientUpdate:
    kind: Literal["state", "snapshot", "event"]
    state: ConnectionState
    snapshot: QueueSnapshot | None
    event: EventView | None = None


@dataclass
class _Pending:
    request_id: str
    frame: str
    answer: asyncio.Future[Result | ErrorMessage]


class _Refusal(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.code)
        self.refused = refused


def websocket_url(server_url: str) -> str:
    """`http://host:8000` → `ws://host:8000/ws` (https → wss); ws URLs pass through."""
    parts = urlsplit(server_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not a server address: {server_url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(WEBSOCKET_PATH):
        path += WEBSOCKET_PATH
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class DeviceClient:
    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        version: str = antrean.__version__,
        command_timeout: float = 5.0,
        max_backoff: float = 3.0,
        site: str | None = None,
        refused_retry: float = REFUSED_RETRY,
        ping_interval: float = 10.0,
    ) -> None:
        self.url = websocket_url(server_url)
        self._token = token
        self._version = version
        self._site = site
        self.command_timeout = command_timeout
        self.max_backoff = max_backoff
        self.refused_retry = refused_retry
        self._ping_interval = ping_interval
        self._state = ConnectionState.CONNECTING
        self._snapshot: QueueSnapshot | None = None
        self._awaiting_snapshot = True
        self._welcome: Welcome | None = None
        self._refusal: Refused | None = None
        self._socket: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: dict[str, _Pending] = {}
        self._health: DeviceHealth | None = None
        self._callbacks: list[Callable[[ClientUpdate], None]] = []
        self._queues: list[asyncio.Queue[ClientUpdate | None]] = []
        self._online = asyncio.Event()
        self._failures = 0

    # What devices read.

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def snapshot(self) -> QueueSnapshot | None:
        return self._snapshot

    @property
    def welcome(self) -> Welcome | None:
        """Who the server took us for, once connected."""
        return self._welcome

    @property
    def refusal(self) -> Refused | None:
        """Why the server last refused us (shown on the device while REFUSED)."""
        return self._refusal

    # Life cycle.

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"antrean client {self.url}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        for pending in list(self._pending.values()):
            if not pending.answer.done():
                pending.answer.set_exception(ClientStopped("the client was stopped"))
        self._pending.clear()
        self._set_state(ConnectionState.OFFLINE)
        for queue in list(self._queues):
            queue.put_nowait(None)

    async def __aenter__(self) -> DeviceClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_online(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._online.wait()

    # Commands and reports.

    async def send(
        self, command: Command, *, request_id: str | None = None, timeout: float | None = None
    ) -> dict[str, Any] | None:
        command = _command.validate_python(command)
        request_id = request_id or uuid.uuid4().hex
        if request_id in self._pending:
            raise ClientError(f"request {request_id} is already waiting for its answer")
        frame = CommandMessage(request_id=request_id, command=command).model_dump_json()
        pending = _Pending(request_id, frame, asyncio.get_running_loop().create_future())
        self._pending[request_id] = pending
        try:
            async with asyncio.timeout(self.command_timeout if timeout is None else timeout):
                await self._transmit(pending)
                while True:
                    answer = await asyncio.shield(pending.answer)
                    if isinstance(answer, Result):
                        return answer.body
                    if answer.code != "request_in_progress":
                        raise CommandFailed(
                            answer.code, answer.message.model_dump(), answer.details
                        )
                    # The first try is still running on the server: ask again shortly.
                    pending.answer = asyncio.get_running_loop().create_future()
                    await asyncio.sleep(IN_PROGRESS_RETRY)
                    await self._transmit(pending)
        except TimeoutError:
            raise CommandTimeout(f"no answer to {command.type} ({request_id})") from None
        finally:
            self._pending.pop(request_id, None)

    async def report_health(self, health: DeviceHealth) -> None:
        self._health = health
        socket = self._socket
        if socket is not None and self._state.is_online:
            with contextlib.suppress(ConnectionClosed):
                await socket.send(HealthReport(health=health).model_dump_json())
                if self._health is health:
                    self._health = None

    async def resync(self) -> None:
        """Ask for a fresh snapshot now (also done by itself on any gap)."""
        socket = self._socket
        if socket is not None:
            self._awaiting_snapshot = True
            last = self._snapshot.seq if self._snapshot else None
            with contextlib.suppress(ConnectionClosed):
                await socket.send(ResyncRequest(last_seq=last).model_dump_json())

    # Watching.

    def on_change(self, callback: Callable[[ClientUpdate], None]) -> Callable[[], None]:
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)

        return unsubscribe

    async def updates(self) -> AsyncIterator[ClientUpdate]:
        """Every change as it happens; ends when the client stops."""
        queue: asyncio.Queue[ClientUpdate | None] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while (update := await queue.get()) is not None:
                yield update
        finally:
            with contextlib.suppress(ValueError):
                self._queues.remove(queue)

    # The task that owns the socket.

    async def _run(self) -> None:
        while True:
            self._set_state(ConnectionState.CONNECTING)
            try:
                await self._session()
                delay = self._backoff()
                self._set_state(ConnectionState.OFFLINE)
            except _Refusal as refusal:
                self._refusal = refusal.refused
                log.warning("server refused the connection: %s", refusal.refused.code)
                delay = self.refused_retry * random.uniform(0.8, 1.2)
                self._set_state(ConnectionState.REFUSED)
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as e:
                log.info("connection to %s failed: %s", self.url, e)
                delay = self._backoff()
                self._set_state(ConnectionState.OFFLINE)
            except Exception:
                log.exception("the connection to %s broke", self.url)
                delay = self._backoff()
                self._set_state(ConnectionState.OFFLINE)
            finally:
                self._socket = None
                self._online.clear()
            await asyncio.sleep(delay)

    def _backoff(self) -> float:
        self._failures += 1
        ceiling = min(self.max_backoff, MIN_BACKOFF * 2 ** min(self._failures, 16))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    async def _session(self) -> None:
        async with connect(
            self.url,
            open_timeout=5,
            close_timeout=2,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_interval,
            max_size=MAX_SERVER_FRAME,
            compression=None,
        ) as socket:
            hello = Hello(
                protocol=PROTOCOL_VERSION,
                token=self._token,
                site=self._site,
                last_seq=self._snapshot.seq if self._snapshot else None,
                version=self._version,
            )
            await socket.send(hello.model_dump_json())
            self._awaiting_snapshot = True
            self._socket = socket
            try:
                async for frame in socket:
                    await self._receive(socket, frame)
            except ConnectionClosed:
                pass
            code = socket.close_code
            reason = socket.close_reason or ""
            if code is not None and code in REFUSAL_CLOSE_CODES:
                raise _Refusal(self._refusal_from_close(code, reason))
            log.info("connection closed (%s %s)", code, reason)

    def _refusal_from_close(self, code: int, reason: str) -> Refused:
        if self._refusal is not None and self._refusal.code == reason:
            return self._refusal
        return Refused(code=reason or str(code), message=Text(id=reason, en=reason))

    async def _receive(self, socket: ClientConnection, frame: str | bytes) -> None:
        try:
            message = server_message.validate_json(frame)
        except ValidationError as error:
            log.warning("unreadable frame from the server: %s", error.errors()[:1])
            return
        if isinstance(message, EventMessage):
            await self._on_event(socket, message.event)
        elif isinstance(message, SnapshotMessage):
            await self._on_snapshot(socket, message.snapshot)
        elif isinstance(message, Result | ErrorMessage):
            self._on_answer(message)
        elif isinstance(message, Welcome):
            self._welcome = message
        elif isinstance(message, Refused):
            self._refusal = message
            raise _Refusal(message)

    async def _on_snapshot(self, socket: ClientConnection, snapshot: QueueSnapshot) -> None:
        self._snapshot = snapshot
        self._awaiting_snapshot = False
        first = not self._state.is_online
        if first:
            self._failures = 0
            self._refusal = None
            self._set_state(ConnectionState.ONLINE)
        self._emit(ClientUpdate("snapshot", self._state, snapshot))
        if first:
            self._online.set()
            for pending in list(self._pending.values()):
                await socket.send(pending.frame)
            health = self._health
            if health is not None:
                await socket.send(HealthReport(health=health).model_dump_json())
                if self._health is health:
                    self._health = None

    async def _on_event(self, socket: ClientConnection, event: EventView) -> None:
        current = self._snapshot
        if current is None or self._awaiting_snapshot or event.seq <= current.seq:
            return
        if event.seq != current.seq + 1:
            log.info("gap in events (%d after %d): asking for a snapshot", event.seq, current.seq)
            self._awaiting_snapshot = True
            await socket.send(ResyncRequest(last_seq=current.seq).model_dump_json())
            return
        self._snapshot = apply_event(current, event)
        self._emit(ClientUpdate("event", self._state, self._snapshot, event))

    def _on_answer(self, answer: Result | ErrorMessage) -> None:
        pending = self._pending.get(answer.request_id or "")
        if pending is None:
            if isinstance(answer, ErrorMessage):
                log.warning("server error: %s %s", answer.code, answer.details)
            return
        if not pending.answer.done():
            pending.answer.set_result(answer)

    async def _transmit(self, pending: _Pending) -> None:
        socket = self._socket
        if socket is not None and self._state.is_online:
            # If this fails the connection is going down; the command goes again
            # with the same id once the next connection is up.
            with contextlib.suppress(ConnectionClosed):
                await socket.send(pending.frame)

    def _set_state(self, state: ConnectionState) -> None:
        if state is self._state:
            return
        self._state = state
        self._emit(ClientUpdate("state", state, self._snapshot))

    def _emit(self, update: ClientUpdate) -> None:
        for callback in list(self._callbacks):
            try:
                callback(update)
            except Exception:
                log.exception("a client callback failed")
        for queue in self._queues:
            queue.put_nowait(update)
