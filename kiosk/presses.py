"""The press handler: a button press becomes a ticket on the server, then on paper.

Presses arrive on the event loop; a press only decides whether to act (the
button's cool-down, one ticket at a time, the priority button armed) and then
serves the citizen in a task of its own. The order is fixed: the ticket exists
on the server before a byte is printed; a print that fails is cancelled on the
server with the reason, so nobody is called who holds no paper.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from antrean.client import ClientError, CommandFailed, CommandTimeout, DeviceClient
from antrean.protocol import IssuedTicket, IssueTicketCommand
from antrean.refusals import CLOSED_CODES
from antrean.vocabulary import Priority
from kiosk.buttons import Press, PressGate, PriorityArming
from kiosk.printing import Printing
from kiosk.settings import KioskSettings
from kiosk.settling import Settler
from kiosk.ticket_layout import ClosedNotice, Layout

log = logging.getLogger(__name__)

CLOSED_SIGNAL_SECONDS = 10.0


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


@dataclass
class Signals:
    """What the press handler tells the rest of the kiosk."""

    beep: Callable[[int], None]
    refresh: Callable[[], None]  # the lamps may need to change
    refresh_later: Callable[[float], None]
    printed: Callable[[Layout, IssuedTicket], None] | None = None


class PressHandler:
    def __init__(
        self,
        settings: KioskSettings,
        client: DeviceClient,
        printing: Printing,
        settler: Settler,
        signals: Signals,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.client = client
        self.printing = printing
        self.settler = settler
        self.signals = signals
        self.clock = clock
        self.gate = PressGate(settings.buttons.cooldown_seconds)
        self.arming = PriorityArming(settings.buttons.priority_window_seconds)
        self.busy = False
        self.closed_until = float("-inf")
        self._last_slip = float("-inf")
        self.counts = {"printed": 0, "print_failures": 0, "ignored_presses": 0}
        self._results: list[Callable[[Result], None]] = []
        self.tasks: set[asyncio.Task[Any]] = set()

    def on_result(self, callback: Callable[[Result], None]) -> None:
        self._results.append(callback)

    def press(self, press: Press) -> None:
        """A press, on the event loop: act on it, or ignore it."""
        if press.is_priority:
            self.arming.arm(press.at)
            self.signals.beep(1)
            self.signals.refresh()
            self.signals.refresh_later(self.arming.window)
            return
        if not self.gate.admit(press, busy=self.busy):
            self.counts["ignored_presses"] += 1
            return
        self.busy = True
        self.signals.beep(1)
        priority = self.settings.buttons.priority_kind if self.arming.take(press.at) else None
        self.signals.refresh()
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
            self.signals.refresh()
        if outcome is not Outcome.PRINTED:
            self.signals.beep(2)
        result = Result(outcome, press.service, press.at, self.clock(), ticket, detail)
        log.info("press %s → %s %s", press.service, outcome.value, detail)
        for callback in list(self._results):
            callback(result)

    async def _issue(
        self, service: str, priority: Priority
    ) -> tuple[Outcome, IssuedTicket | None, str]:
        if not self.client.state.is_online:
            return Outcome.SERVER_UNREACHABLE, None, self.client.state.value
        reading = await self.printing.now()
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
            self.settler.keep(command, request_id)
            return Outcome.SERVER_UNREACHABLE, None, "no answer in time"
        except ClientError as error:
            return Outcome.SERVER_UNREACHABLE, None, str(error)
        issued = IssuedTicket.model_validate(answer)
        layout, failure = await self.printing.ticket(issued, self.client.snapshot)
        if failure is None:
            self.counts["printed"] += 1
            if self.signals.printed is not None:
                await asyncio.to_thread(self.signals.printed, layout, issued)
            return Outcome.PRINTED, issued, ""
        self.counts["print_failures"] += 1
        await self.settler.cancel(issued.ticket.id, f"Tiket tidak tercetak: {failure}")
        return Outcome.PRINT_FAILED, issued, failure

    async def _closed(self, service: str, refusal: CommandFailed) -> None:
        """The closed lamp for a while, and a slip saying when it opens (not too often)."""
        now = self.clock()
        self.closed_until = now + CLOSED_SIGNAL_SECONDS
        self.signals.refresh()
        self.signals.refresh_later(CLOSED_SIGNAL_SECONDS)
        if now - self._last_slip < self.settings.ticket.closed_slip_interval_seconds:
            return
        self._last_slip = now
        snapshot = self.client.snapshot
        name = next(
            (s.name for s in snapshot.services if s.code == service), service
        ) if snapshot else service
        next_open = refusal.details.get("next_open")
        await self.printing.slip(
            ClosedNotice(
                office=snapshot.site.name if snapshot else "",
                service=name,
                reason=refusal.message.get("id") or refusal.code,
                next_open=datetime.fromisoformat(next_open) if next_open else None,
            )
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
