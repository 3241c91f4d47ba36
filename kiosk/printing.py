"""The printing service: tickets and slips onto paper, one job at a time, and
what the printer says about itself.

The printer is used from one worker thread at a time (a lock), so a status
query never interleaves with a ticket's bytes. A failed print is tried once
more unless the printer itself says it stopped; the caller decides what a
ticket that did not print means (the press handler cancels it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from antrean.protocol import IssuedTicket, QueueSnapshot
from kiosk.errors import PrintFailed
from kiosk.health import PrinterReading, read_printer
from kiosk.printer.port import PrinterPort
from kiosk.profiles import PaperProfile
from kiosk.settings import KioskSettings
from kiosk.ticket_layout import ClosedNotice, Layout, layout_closed, layout_ticket, ticket_content
from kiosk.ticket_print import layout_bytes

log = logging.getLogger(__name__)

FRESH_READING = 1.0  # seconds a printer reading is trusted before a press asks again
RETRY_PAUSE = 0.3  # before the second try of a failed print


class Printing:
    def __init__(
        self,
        settings: KioskSettings,
        port: PrinterPort,
        clock: Callable[[], float],
        *,
        changed: Callable[[], None],
        report: Callable[[], None],
    ) -> None:
        """`changed` is told when the lamps may need to change, `report` when the
        server should hear about the printer."""
        self.settings = settings
        self.port = port
        self.paper: PaperProfile = settings.printer.profile()
        self.clock = clock
        self._changed = changed
        self._report = report
        self.reading = PrinterReading(None)
        self._read_at = float("-inf")
        self.print_failed = False
        self.last_failure = ""
        self._lock = asyncio.Lock()

    # Tickets and slips.

    def render(self, issued: IssuedTicket, snapshot: QueueSnapshot | None) -> tuple[Layout, bytes]:
        ticket = self.settings.ticket
        content = ticket_content(
            issued,
            snapshot,
            public_url=ticket.public_url or self.settings.server_url,
            requirements_lines=ticket.requirements_lines,
            footer=ticket.footer,
        )
        layout = layout_ticket(content, self.paper)
        return layout, layout_bytes(layout, self.paper)

    async def ticket(
        self, issued: IssuedTicket, snapshot: QueueSnapshot | None
    ) -> tuple[Layout, str | None]:
        """Print a ticket: its layout, and None when it came out, else why not."""
        # Drawing a QR image takes a while on a Pi: off the loop, which keeps the socket alive.
        layout, data = await asyncio.to_thread(self.render, issued, snapshot)
        return layout, await self._print(data)

    async def _print(self, data: bytes) -> str | None:
        """None when the ticket came out; else why not, after a second try."""
        failure = "not printed"
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(RETRY_PAUSE)
            try:
                async with self._lock:
                    await asyncio.to_thread(self.port.write, data)
            except PrintFailed as error:
                failure = str(error)
                log.warning("print attempt %d failed: %s", attempt + 1, failure)
                continue
            after = await self.read()
            if after.can_print:
                self.print_failed = False
                return None
            # The printer itself says it stopped: a second copy would not come out either.
            failure = after.detail
            break
        self.print_failed = True
        self.last_failure = f"the last ticket did not print: {failure}"
        self._changed()
        self._report()
        return failure

    async def slip(self, notice: ClosedNotice) -> None:
        """A slip saying the service takes no numbers now, and when it opens."""
        try:
            async with self._lock:
                await asyncio.to_thread(
                    self.port.write, layout_bytes(layout_closed(notice, self.paper), self.paper)
                )
        except PrintFailed as error:
            log.warning("the 'closed' slip did not print: %s", error)

    # The printer's own word.

    async def read(self) -> PrinterReading:
        async with self._lock:
            reading = await asyncio.to_thread(read_printer, self.port.query)
        self._read_at = self.clock()
        self._set_reading(reading)
        return reading

    async def now(self) -> PrinterReading:
        """A reading no older than a second: asked again before a press prints."""
        if self.clock() - self._read_at < FRESH_READING:
            return self.reading
        return await self.read()

    def _set_reading(self, reading: PrinterReading) -> None:
        if reading.state is not None and reading.state.can_print:
            self.print_failed = False  # the printer answers again and has paper
        if reading != self.reading:
            log.info("printer: %s %s", reading.state, reading.detail)
            self.reading = reading
            self._report()
        self._changed()

    async def watch(self) -> None:
        """Ask the printer how it is, every `poll_seconds`, for ever."""
        while True:
            try:
                await self.read()
            except Exception:
                log.exception("reading the printer's status failed")
            await asyncio.sleep(self.settings.printer.poll_seconds)

    def close(self) -> None:
        self.port.close()
