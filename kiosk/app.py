"""The kiosk program: a press becomes a ticket on the server, then on paper.

One asyncio loop runs everything. The DeviceClient's own task owns the
socket; button presses arrive from gpiozero's thread and are handed to the
loop, where they only decide whether to act and then send commands. The
printer is used from one worker thread at a time.

The order is fixed: the ticket exists on the server before a byte is
printed; a print that fails is tried once more, and then the ticket is
cancelled on the server with the reason, so nobody is called who holds no
paper.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import antrean
from antrean.client import (
    ClientError,
    ClientUpdate,
    CommandFailed,
    CommandTimeout,
    ConnectionState,
    DeviceClient,
)
from antrean.health import DeviceHealth, PrinterState
from antrean.protocol import Command, IssuedTicket, IssueTicketCommand, TicketCommand
from antrean.refusals import CLOSED_CODES
from antrean.storage import disk_state
from antrean.vocabulary import Priority
from kiosk.buttons import ButtonBoard, Press, PressGate, PriorityArming
from kiosk.errors import PrintFailed
from kiosk.health import PrinterReading, read_printer
from kiosk.lights import KioskStatus, Lights, Scene, scene_for
from kiosk.printer.port import PrinterPort
from kiosk.settings import KioskSettings
from kiosk.ticket_layout import (
    ClosedNotice,
    Layout,
    layout_closed,
    layout_ticket,
    ticket_content,
)
from kiosk.ticket_print import layout_bytes

log = logging.getLogger(__name__)

FRESH_READING = 1.0  # seconds a printer reading is trusted before a press asks again
RETRY_PAUSE = 0.3  # before the second try of a failed print
CLOSED_SIGNAL_SECONDS = 10.0
SETTLE_EVERY = 5.0  # seconds between tries to finish commands whose answer was lost
SETTLE_TIMEOUT = 10.0


class Outcome(StrEnum):
    PRINTED = "printed"
    CLOSED = "closed"  # the service takes no numbers now; a slip or the lamp says so
    SERVER_UNREACHABLE = "server_unreachable"
    PRINTER_NOT_READY = "printer_not_ready"
    PRINT_FAILED = "print_failed"  # the ticket was cancelled on the server
    REFUSED = "refused"  # any other refusal from the server


@dataclass(frozen=True)
class Result:
    """What one admitted press came to."""

    outcome: Outcome
    service: str
    pressed_at: float
    finished_at: float
    ticket: IssuedTicket | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Unsettled:
    """A command whose answer was lost; it is sent again (same id) when back online."""

    command: Command
    request_id: str


class Kiosk:
    def __init__(
        self,
        settings: KioskSettings,
        client: DeviceClient,
        port: PrinterPort,
        *,
        pin_factory: Any = None,
        on_scene: Callable[[Scene], None] | None = None,
        on_printed: Callable[[Layout, IssuedTicket], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.client = client
        self.port = port
        self.paper = settings.printer.profile()
        self.clock = clock
        self._on_printed = on_printed
        self._results: list[Callable[[Result], None]] = []
        self.gate = PressGate(settings.buttons.cooldown_seconds)
        self.arming = PriorityArming(settings.buttons.priority_window_seconds)
        self.reading = PrinterReading(None)
        self._read_at = float("-inf")
        self.print_failed = False
        self._last_failure = ""
        self.busy = False
        self._closed_until = float("-inf")
        self._last_slip = float("-inf")
        self._unsettled: list[_Unsettled] = []
        self._settle_due = asyncio.Event()
        self._started = clock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._printer_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._health_due = asyncio.Event()
        self._disk_problem: str | None = None
        self.counts = {"printed": 0, "print_failures": 0, "ignored_presses": 0}
        self.lights = Lights(settings.lights, pin_factory=pin_factory, on_show=on_scene)
        try:
            self.buttons = ButtonBoard(
                settings.buttons, self._press_from_gpio, pin_factory=pin_factory, clock=clock
            )
        except Exception:
            self.lights.close()
            raise

    # Watching what happens (tests, the simulated mode and the benchmark).

    def on_result(self, callback: Callable[[Result], None]) -> None:
        self._results.append(callback)

    # The main loop.

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until `stop` is set (or the task is cancelled)."""
        self._loop = asyncio.get_running_loop()
        unsubscribe = self.client.on_change(self._client_changed)
        await self.client.start()
        self._refresh()
        self._health_due.set()
        watchers = [
            asyncio.create_task(self._watch_printer(), name="kiosk printer"),
            asyncio.create_task(self._report_health_loop(), name="kiosk health"),
            asyncio.create_task(self._settle_loop(), name="kiosk settle"),
        ]
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            unsubscribe()
            for task in [*watchers, *self._tasks]:
                task.cancel()
            await asyncio.gather(*watchers, *self._tasks, return_exceptions=True)
            await self.client.stop()
            self.buttons.close()
            self.lights.close()
            self.port.close()

    # Presses.

    def _press_from_gpio(self, press: Press) -> None:
        loop = self._loop
        if loop is not None:
            # A press while the kiosk shuts down finds the loop closed: it is dropped.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._on_press, press)

    def _on_press(self, press: Press) -> None:
        if press.is_priority:
            self.arming.arm(press.at)
            self.lights.beep()
            self._refresh()
            self._refresh_later(self.arming.window)
            return
        if not self.gate.admit(press, busy=self.busy):
            self.counts["ignored_presses"] += 1
            return
        self.busy = True
        self.lights.beep()
        priority = self.settings.buttons.priority_kind if self.arming.take(press.at) else None
        self._refresh()
        self._spawn(self._serve(press, priority or Priority.NONE))

    async def _serve(self, press: Press, priority: Priority) -> None:
        assert press.service is not None
        try:
            outcome, ticket, detail = await self._issue(press.service, priority)
        except Exception as error:  # a bug must not leave the kiosk busy for ever
            log.exception("serving a press failed")
            outcome, ticket, detail = Outcome.REFUSED, None, repr(error)
        finally:
            self.busy = False
            self.gate.finished(press.button, self.clock())
            self._refresh()
        if outcome is not Outcome.PRINTED:
            self.lights.beep(2)
        result = Result(outcome, press.service, press.at, self.clock(), ticket, detail)
        log.info("press %s → %s %s", press.service, outcome.value, detail)
        for callback in list(self._results):
            callback(result)

    async def _issue(
        self, service: str, priority: Priority
    ) -> tuple[Outcome, IssuedTicket | None, str]:
        if not self.client.state.is_online:
            return Outcome.SERVER_UNREACHABLE, None, self.client.state.value
        reading = await self._printer_now()
        if not reading.can_print:
            return Outcome.PRINTER_NOT_READY, None, reading.detail
        command = IssueTicketCommand(site=self.settings.site, service=service, priority=priority)
        request_id = uuid.uuid4().hex
        try:
            answer = await self.client.send(
                command, request_id=request_id, timeout=self.settings.command_timeout
            )
        except CommandFailed as refusal:
            if refusal.code in CLOSED_CODES:
                await self._closed(service, refusal)
                return Outcome.CLOSED, None, refusal.code
            return Outcome.REFUSED, None, refusal.code
        except CommandTimeout:
            # The server may have issued it: find out, and cancel it, once it answers.
            self._unsettled.append(_Unsettled(command, request_id))
            self._settle_due.set()
            return Outcome.SERVER_UNREACHABLE, None, "no answer in time"
        except ClientError as error:
            return Outcome.SERVER_UNREACHABLE, None, str(error)
        issued = IssuedTicket.model_validate(answer)
        # Drawing a QR image takes a while on a Pi: off the loop, which keeps the socket alive.
        layout, data = await asyncio.to_thread(self._render, issued)
        failure = await self._print(data)
        if failure is None:
            self.counts["printed"] += 1
            if self._on_printed is not None:
                await asyncio.to_thread(self._on_printed, layout, issued)
            return Outcome.PRINTED, issued, ""
        self.counts["print_failures"] += 1
        await self._cancel(issued.ticket.id, f"Tiket tidak tercetak: {failure}")
        return Outcome.PRINT_FAILED, issued, failure

    def _render(self, issued: IssuedTicket) -> tuple[Layout, bytes]:
        ticket = self.settings.ticket
        content = ticket_content(
            issued,
            self.client.snapshot,
            public_url=ticket.public_url or self.settings.server_url,
            requirements_lines=ticket.requirements_lines,
            footer=ticket.footer,
        )
        layout = layout_ticket(content, self.paper)
        return layout, layout_bytes(layout, self.paper)

    # Printing.

    async def _print(self, data: bytes) -> str | None:
        """None when the ticket came out; else why not, after a second try."""
        failure = "not printed"
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(RETRY_PAUSE)
            try:
                async with self._printer_lock:
                    await asyncio.to_thread(self.port.write, data)
            except PrintFailed as error:
                failure = str(error)
                log.warning("print attempt %d failed: %s", attempt + 1, failure)
                continue
            after = await self._read_printer()
            if after.can_print:
                self.print_failed = False
                return None
            # The printer itself says it stopped: a second copy would not come out either.
            failure = after.detail
            break
        self.print_failed = True
        self._last_failure = f"the last ticket did not print: {failure}"
        self._refresh()
        self._health_due.set()
        return failure

    async def _cancel(self, ticket_id: int, reason: str) -> None:
        command = TicketCommand(type="cancel", ticket_id=ticket_id, reason=reason[:300])
        request_id = uuid.uuid4().hex
        try:
            await self.client.send(
                command, request_id=request_id, timeout=self.settings.command_timeout
            )
        except CommandFailed as refusal:
            log.warning("cancelling ticket %d was refused: %s", ticket_id, refusal.code)
        except ClientError:
            self._unsettled.append(_Unsettled(command, request_id))
            self._settle_due.set()

    async def _closed(self, service: str, refusal: CommandFailed) -> None:
        now = self.clock()
        self._closed_until = now + CLOSED_SIGNAL_SECONDS
        self._refresh()
        self._refresh_later(CLOSED_SIGNAL_SECONDS)
        if now - self._last_slip < self.settings.ticket.closed_slip_interval_seconds:
            return
        self._last_slip = now
        snapshot = self.client.snapshot
        name = next(
            (s.name for s in snapshot.services if s.code == service), service
        ) if snapshot else service
        next_open = refusal.details.get("next_open")
        notice = ClosedNotice(
            office=snapshot.site.name if snapshot else "",
            service=name,
            reason=refusal.message.get("id") or refusal.code,
            next_open=datetime.fromisoformat(next_open) if next_open else None,
        )
        try:
            async with self._printer_lock:
                await asyncio.to_thread(
                    self.port.write, layout_bytes(layout_closed(notice, self.paper), self.paper)
                )
        except PrintFailed as error:
            log.warning("the 'closed' slip did not print: %s", error)

    # The printer's health.

    async def _read_printer(self) -> PrinterReading:
        async with self._printer_lock:
            reading = await asyncio.to_thread(read_printer, self.port.query)
        self._read_at = self.clock()
        self._set_reading(reading)
        return reading

    async def _printer_now(self) -> PrinterReading:
        if self.clock() - self._read_at < FRESH_READING:
            return self.reading
        return await self._read_printer()

    def _set_reading(self, reading: PrinterReading) -> None:
        if reading.state is not None and reading.state.can_print:
            self.print_failed = False  # the printer answers again and has paper
        if reading != self.reading:
            log.info("printer: %s %s", reading.state, reading.detail)
            self.reading = reading
            self._health_due.set()
        self._refresh()

    async def _watch_printer(self) -> None:
        while True:
            try:
                await self._read_printer()
            except Exception:
                log.exception("reading the printer's status failed")
            await asyncio.sleep(self.settings.printer.poll_seconds)

    def health(self) -> DeviceHealth:
        state = self.reading.state
        if self.print_failed and (state is None or state.can_print):
            state = PrinterState.ERROR
        detail = self._last_failure if self.print_failed else self.reading.detail
        # A full or read-only card does not stop tickets (the kiosk writes nothing),
        # but the office must hear of it before the Pi is rebooted into trouble.
        disk = disk_state("/")
        if disk.problem != self._disk_problem:
            if disk.problem:
                log.warning("storage: %s", disk.problem)
            self._disk_problem = disk.problem
        return DeviceHealth(
            version=antrean.__version__,
            uptime_seconds=max(0.0, self.clock() - self._started),
            printer=state,
            detail=(detail or disk.problem or "")[:300] or None,
            extra={
                "paper": self.paper.name, **self.counts,
                "disk_free_mb": disk.free_bytes // (1024 * 1024),
                "root_read_only": disk.read_only,
            },
        )

    async def _report_health_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.settings.health_report_seconds):
                    await self._health_due.wait()
            except TimeoutError:
                pass
            self._health_due.clear()
            try:
                await self.client.report_health(self.health())
            except Exception:
                log.exception("reporting health failed")

    # The connection.

    def _client_changed(self, update: ClientUpdate) -> None:
        if update.kind == "state":
            self._refresh()
            if update.state is ConnectionState.ONLINE and self._unsettled:
                self._settle_due.set()

    async def _settle_loop(self) -> None:
        """Finish what a lost answer interrupted, so no ticket stays that nobody holds."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SETTLE_EVERY):
                    await self._settle_due.wait()
            self._settle_due.clear()
            try:
                await self._settle()
            except Exception:
                log.exception("settling unanswered commands failed")

    async def _settle(self) -> None:
        while self._unsettled and self.client.state.is_online:
            item = self._unsettled[0]
            try:
                answer = await self.client.send(
                    item.command, request_id=item.request_id, timeout=SETTLE_TIMEOUT
                )
            except CommandFailed as refusal:
                log.info("unsettled %s: %s", item.command.type, refusal.code)
            except ClientError:
                return  # still unreachable: again on the next reconnect
            else:
                if isinstance(item.command, IssueTicketCommand) and answer:
                    ticket = IssuedTicket.model_validate(answer).ticket
                    await self._cancel(ticket.id, "Tiket tidak tercetak: koneksi terputus")
            self._unsettled.remove(item)

    # The lamps.

    def status(self) -> KioskStatus:
        now = self.clock()
        return KioskStatus(
            online=self.client.state.is_online,
            printer=self.reading.state,
            print_failed=self.print_failed,
            busy=self.busy,
            priority_armed=self.arming.armed(now),
            closed_signal=now < self._closed_until,
        )

    def _refresh(self) -> None:
        self.lights.show(scene_for(self.status()))

    def _refresh_later(self, seconds: float) -> None:
        if self._loop is not None:
            self._loop.call_later(seconds + 0.01, self._refresh)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
