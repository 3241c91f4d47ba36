"""One device's connection: hello, then snapshot and deltas out, commands in.

The connection's own task reads: it takes the device's frames one at a time
(so a device's commands run in the order it sent them) and puts answers in the
outbox. A writer task, started when something is put in the outbox and ended
when it is empty, is the only one that sends; an idle screen has no writer. A
frame that cannot be read gets an error naming the problem and the connection
goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from antrean import __version__
from antrean.messages import (
    CLOSE_BAD_HELLO,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_NOT_FOUND,
    CLOSE_PROTOCOL_MISMATCH,
    CallerInfo,
    CommandMessage,
    ErrorMessage,
    HealthReport,
    Ping,
    Pong,
    Refused,
    Result,
    ResyncRequest,
    Text,
    Welcome,
    protocol_error,
    protocol_refusal,
)
from server.engine.errors import QueueError
from server.permissions import Caller
from server.realtime.asgi import AsgiSocket, Disconnected
from server.realtime.frames import read_frame, read_hello
from server.realtime.outbox import Close, Delta, Outbox, SnapshotReady, SnapshotWanted
from server.realtime.reads import SiteRequired, authenticate

if TYPE_CHECKING:
    from server.realtime.service import Realtime

log = logging.getLogger(__name__)

CLOSE_INTERNAL_ERROR = 1011  # the device retries soon, as after any loss
ANSWER_LIMIT = 100
"""Answers that may wait to go out before the device's next frame is read."""
CLOSE_FOR_STATUS = {401: CLOSE_NOT_AUTHENTICATED, 403: CLOSE_FORBIDDEN, 404: CLOSE_NOT_FOUND}
CLOSE_FOR_REFUSAL = {"protocol_mismatch": CLOSE_PROTOCOL_MISMATCH}
CLOSE_TRY_AGAIN_LATER = 1013


class DeviceSession:
    __slots__ = (
        "__weakref__", "_dropped", "_floor", "_reader", "_writer", "caller", "connected_at",
        "ending", "outbox", "realtime", "sending_since", "settings", "site", "socket", "token",
        "version",
    )

    def __init__(self, socket: AsgiSocket, realtime: Realtime) -> None:
        self.socket = socket
        self.realtime = realtime
        self.settings = realtime.settings
        self.outbox = Outbox(self.settings.ws_outbox_limit, ANSWER_LIMIT, self._start_writer)
        self.caller: Caller | None = None
        self.site: str | None = None
        self.token: str | None = None
        self.version: str | None = None
        self._floor: int | None = None  # seq of the last snapshot or delta sent
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._dropped = False
        self.sending_since: float | None = None
        self.connected_at: datetime | None = None
        self.ending = False
        """A refusal is on its way and the socket closes after it."""

    @property
    def device_id(self) -> int | None:
        return self.caller.device_id if self.caller else None

    # The hub's side.

    def deliver(self, seq: int, frame: str) -> None:
        self.outbox.put_delta(seq, frame)

    def refreshed(self, seq: int, frame: str) -> None:
        """The office's fresh snapshot, read once for all its sockets."""
        self.outbox.put_snapshot(seq, frame)

    # Life.

    async def run(self) -> None:
        # Until its hello is checked a connection is a stranger's: only so many may
        # wait at once, each holding at most one message of uvicorn's size limit.
        realtime = self.realtime
        if realtime.awaiting_hello >= self.settings.ws_max_pending_hellos:
            await self._turn_away()
            return
        realtime.awaiting_hello += 1
        try:
            await self.socket.accept()
            if not await self._greet():
                return
        except Disconnected:
            return
        finally:
            realtime.awaiting_hello -= 1
        assert self.site is not None
        hub = self.realtime.hub
        hub.subscribe(self.site, self)  # before the snapshot is read: see Snapshots
        self.realtime.sessions.add(self)
        self._reader = asyncio.current_task()
        self._presence()
        self.outbox.want_snapshot("hello")
        try:
            await self._read()
        except asyncio.CancelledError:
            if not self._dropped:
                raise
            # Closed, gone or dropped: returning lets the server close the connection.
        except Exception:
            log.exception("device socket of %s failed", self.who())
        finally:
            hub.unsubscribe(self.site, self)
            self.realtime.sessions.discard(self)
            self._seen()  # before the dashboards note the leaving: see dashboard/view.py
            self._presence()
            writer, self._writer = self._writer, None
            if writer is not None and not writer.done():
                writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)

    def end(self, refused: Refused, close_code: int) -> None:
        """Say why, then close, after whatever is already waiting (a revoked token)."""
        if self.ending:
            return
        self.ending = True
        self.outbox.put_frame(refused.model_dump_json())
        self.outbox.close(close_code, refused.code)

    async def _turn_away(self) -> None:
        """Busy: accept only to say so; the device tries again shortly, as after any loss."""
        self.realtime.turned_away()
        with contextlib.suppress(Exception):
            await self.socket.accept()
            await self.refuse(protocol_refusal("server_busy"), CLOSE_TRY_AGAIN_LATER)

    async def refuse(self, refused: Refused, close_code: int) -> None:
        """Say why, then close; before the writer runs (at hello)."""
        with contextlib.suppress(Exception):
            await self.socket.send_text(refused.model_dump_json())
            await self.socket.close(close_code, reason=refused.code[:100])

    # Hello.

    async def _greet(self) -> bool:
        try:
            async with asyncio.timeout(self.settings.ws_hello_timeout):
                message = await self.socket.receive()
        except TimeoutError:
            await self.refuse(protocol_refusal("hello_timeout"), CLOSE_BAD_HELLO)
            return False
        if message["type"] == "websocket.disconnect":
            return False
        hello = read_hello(message.get("text"))
        if isinstance(hello, Refused):
            await self.refuse(hello, CLOSE_FOR_REFUSAL.get(hello.code, CLOSE_BAD_HELLO))
            return False
        token = hello.token or _bearer(self.socket)
        if not token:
            refused = refusal_message(QueueError("not_authenticated"))
            await self.refuse(refused, CLOSE_NOT_AUTHENTICATED)
            return False
        operations = self.realtime.operations
        try:
            caller, site = await run_in_threadpool(
                authenticate, operations.db, token, hello.site, operations.clock()
            )
        except QueueError as refusal:
            close = CLOSE_FOR_STATUS.get(refusal.status, CLOSE_BAD_HELLO)
            await self.refuse(refusal_message(refusal), close)
            return False
        except SiteRequired:
            await self.refuse(protocol_refusal("site_required"), CLOSE_BAD_HELLO)
            return False
        except Exception:
            log.exception("could not check a device's token")
            with contextlib.suppress(Exception):
                await self.socket.close(CLOSE_INTERNAL_ERROR)
            return False
        self.socket.forget_handshake()
        self.caller, self.site, self.token, self.version = caller, site, token, hello.version
        self.connected_at = self.realtime.now()
        self._seen()
        welcome = Welcome(
            server_version=__version__,
            site=site,
            caller=CallerInfo(
                label=caller.label,
                device_kind=caller.device_kind,
                role=caller.role,
                counters=sorted(caller.counters),
            ),
        )
        await self.socket.send_text(welcome.model_dump_json())
        return True

    # Reading.

    async def _read(self) -> None:
        limit = self.settings.ws_max_frame_bytes
        while True:
            # Backpressure: while answers pile up unsent, take no more frames. A device
            # that reads keeps going at the pace it reads; one that does not stalls the
            # writer, and the watchdog ends it.
            await self.outbox.room()
            message = await self.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            frame = read_frame(message.get("text"), limit)
            if isinstance(frame, ErrorMessage):
                self._answer(frame)
            elif isinstance(frame, CommandMessage):
                await self._command(frame)
            elif isinstance(frame, ResyncRequest):
                self.outbox.want_snapshot("resync")
            elif isinstance(frame, HealthReport):
                self._health(frame)
            elif isinstance(frame, Ping):
                self._answer(Pong(nonce=frame.nonce))
            else:
                self._answer(protocol_error("already_greeted"))

    async def _command(self, message: CommandMessage) -> None:
        assert self.caller is not None
        operations = self.realtime.operations
        answer: Result | ErrorMessage
        try:
            outcome = await run_in_threadpool(
                operations.execute, self.caller, message.command, message.request_id
            )
            answer = Result(request_id=message.request_id, status=outcome.status, body=outcome.body)
        except QueueError as refusal:
            answer = protocol_error(refusal.code, message.request_id, refusal.details)
        except Exception:
            log.exception("command %s from %s failed", message.command.type, self.who())
            answer = protocol_error("internal_error", message.request_id)
        self._answer(answer)

    def _health(self, report: HealthReport) -> None:
        if self.device_id is None:
            self._answer(protocol_error("not_a_device"))
            return
        self.realtime.health.report(self.device_id, report.health, self.realtime.now())
        self._presence()

    def _answer(self, message: Result | ErrorMessage | Pong) -> None:
        self.outbox.put_frame(message.model_dump_json())

    # Writing.

    def _start_writer(self) -> None:
        if self._writer is None and self._reader is not None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
            self._writer.add_done_callback(self._writer_done)

    def _writer_done(self, writer: asyncio.Task[None]) -> None:
        if not writer.cancelled() and writer.exception() is not None:
            log.error("device socket of %s failed", self.who(), exc_info=writer.exception())
            self._finish()

    async def _write(self) -> None:
        # A stalled send is noticed by Realtime's watchdog rather than a timer
        # per frame: with a thousand screens, timers would cost more than sends.
        loop = asyncio.get_running_loop()
        outbox = self.outbox
        while True:
            item = outbox.take()
            if item is None:
                self._writer = None  # whatever comes next starts a new writer
                return
            if isinstance(item, Delta):
                if self._floor is None or item.seq <= self._floor:
                    continue  # before the first snapshot, or already in it
                self._floor = item.seq
                frame = item.frame
            elif isinstance(item, SnapshotReady):
                if self._floor is None or item.seq < self._floor:
                    continue  # a fresher snapshot went out already
                self._floor = item.seq
                frame = item.frame
            elif isinstance(item, SnapshotWanted):
                assert self.site is not None
                shared = await self.realtime.snapshots.get(self.site)
                self._floor = shared.seq
                frame = shared.frame(item.reason)
                del shared
            elif isinstance(item, Close):
                with contextlib.suppress(Exception):
                    await self.socket.close(item.code, reason=item.reason[:100])
                self._finish()
                return
            else:
                frame = item
            del item
            self.sending_since = loop.time()
            try:
                await self.socket.send_text(frame)
            except (RuntimeError, OSError):
                self.sending_since = None
                self._finish()  # gone
                return
            self.sending_since = None
            del frame  # an idle socket should not keep its last snapshot alive

    def stalled(self, now: float) -> bool:
        """Has one frame been waiting longer than allowed for the device to take it?"""
        since = self.sending_since
        return since is not None and now - since > self.settings.ws_send_timeout

    def drop(self) -> None:
        log.warning("%s too slow to take a frame; dropping it", self.who())
        if self._writer is not None:
            self._writer.cancel()
        self._finish()

    def _finish(self) -> None:
        """Nothing more to send: stop reading too, and let the server close the connection."""
        self._dropped = True
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()

    def _seen(self) -> None:
        if self.device_id is not None:
            self.realtime.health.seen(self.device_id, self.realtime.now())

    def _presence(self) -> None:
        if self.device_id is not None and self.site is not None:
            self.realtime.presence_changed(self.site)

    def who(self) -> str:
        return self.caller.label if self.caller else "an unknown device"


def refusal_message(refusal: QueueError) -> Refused:
    reason = refusal.reason
    return Refused(
        code=refusal.code, message=Text(id=reason.id, en=reason.en), details=refusal.details
    )


def _bearer(socket: AsgiSocket) -> str | None:
    scheme, _, credentials = socket.header("authorization").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None
