"""One device's connection: hello, then snapshot and deltas out, commands in.

Two tasks share the socket. The reader takes the device's frames one at a
time (so a device's commands run in the order it sent them) and puts answers
in the outbox; the writer is the only one that sends. A frame that cannot be
read gets an error naming the problem and the connection goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

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
from server.realtime.frames import read_frame, read_hello
from server.realtime.outbox import Close, Delta, Outbox, SnapshotWanted
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
    def __init__(self, websocket: WebSocket, realtime: Realtime) -> None:
        self.websocket = websocket
        self.realtime = realtime
        self.settings = realtime.settings
        self.outbox = Outbox(self.settings.ws_outbox_limit, ANSWER_LIMIT)
        self.caller: Caller | None = None
        self.site: str | None = None
        self.token: str | None = None
        self.version: str | None = None
        self._floor: int | None = None  # seq of the last snapshot or delta sent
        self._writer: asyncio.Task[None] | None = None
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
            await self.websocket.accept()
            if not await self._greet():
                return
        except WebSocketDisconnect:
            return
        finally:
            realtime.awaiting_hello -= 1
        assert self.site is not None
        hub = self.realtime.hub
        hub.subscribe(self.site, self)  # before the snapshot is read: see Snapshots
        self.realtime.sessions.add(self)
        self._presence()
        self.outbox.want_snapshot("hello")
        reader = asyncio.create_task(self._read())
        writer = self._writer = asyncio.create_task(self._write())
        try:
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("device socket failed", exc_info=task.exception())
        finally:
            hub.unsubscribe(self.site, self)
            self.realtime.sessions.discard(self)
            self._presence()
            self._seen()
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)

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
            await self.websocket.accept()
            await self.refuse(protocol_refusal("server_busy"), CLOSE_TRY_AGAIN_LATER)

    async def refuse(self, refused: Refused, close_code: int) -> None:
        """Say why, then close; before the writer runs (at hello)."""
        with contextlib.suppress(Exception):
            await self.websocket.send_text(refused.model_dump_json())
            await self.websocket.close(close_code, reason=refused.code[:100])

    # Hello.

    async def _greet(self) -> bool:
        try:
            async with asyncio.timeout(self.settings.ws_hello_timeout):
                message = await self.websocket.receive()
        except TimeoutError:
            await self.refuse(protocol_refusal("hello_timeout"), CLOSE_BAD_HELLO)
            return False
        if message["type"] == "websocket.disconnect":
            return False
        hello = read_hello(message.get("text"))
        if isinstance(hello, Refused):
            await self.refuse(hello, CLOSE_FOR_REFUSAL.get(hello.code, CLOSE_BAD_HELLO))
            return False
        token = hello.token or _bearer(self.websocket)
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
                await self.websocket.close(CLOSE_INTERNAL_ERROR)
            return False
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
        await self.websocket.send_text(welcome.model_dump_json())
        return True

    # Reading.

    async def _read(self) -> None:
        limit = self.settings.ws_max_frame_bytes
        while True:
            # Backpressure: while answers pile up unsent, take no more frames. A device
            # that reads keeps going at the pace it reads; one that does not stalls the
            # writer, and the watchdog ends it.
            await self.outbox.room()
            message = await self.websocket.receive()
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

    async def _write(self) -> None:
        # A stalled send is noticed by Realtime's watchdog rather than a timer
        # per frame: with a thousand screens, timers would cost more than sends.
        loop = asyncio.get_running_loop()
        while True:
            item = await self.outbox.get()
            if isinstance(item, Delta):
                if self._floor is None or item.seq <= self._floor:
                    continue  # before the first snapshot, or already in it
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
                    await self.websocket.close(item.code, reason=item.reason[:100])
                return
            else:
                frame = item
            del item
            self.sending_since = loop.time()
            try:
                await self.websocket.send_text(frame)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return  # gone; the reader sees the disconnect too
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


def _bearer(websocket: WebSocket) -> str | None:
    scheme, _, credentials = websocket.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None
