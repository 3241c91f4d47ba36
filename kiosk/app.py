"""The kiosk program: buttons, lamps and the connection, around three jobs.

One asyncio loop runs everything. The DeviceClient's own task owns the
socket; button presses arrive from gpiozero's thread and are handed to the
loop, where the press handler (`presses.py`) decides whether to act and
serves the citizen; the printing service (`printing.py`) puts tickets and
slips on paper and watches the printer; the settler (`settling.py`) finishes
what a lost answer interrupted. This module wires them together, reports the
kiosk's health to the server and shows its state on the lamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import antrean
from antrean.client import ClientUpdate, ConnectionState, DeviceClient
from antrean.health import DeviceHealth, PrinterState, keep_reporting
from antrean.protocol import IssuedTicket
from antrean.storage import disk_state
from kiosk.buttons import ButtonBoard, Press
from kiosk.health import PrinterReading
from kiosk.lights import KioskStatus, Lights, Scene, scene_for
from kiosk.presses import PressHandler, Result, Signals
from kiosk.printer.port import PrinterPort
from kiosk.printing import Printing
from kiosk.settings import KioskSettings
from kiosk.settling import Settler
from kiosk.setup import button_problems, refusal_problem
from kiosk.ticket_layout import Layout

log = logging.getLogger(__name__)


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
        self.clock = clock
        self._started = clock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._health_due = asyncio.Event()
        self._disk_problem: str | None = None
        self.set_up_problems: tuple[str, ...] = ()
        self.printing = Printing(
            settings, port, clock, changed=self._refresh, report=self._health_due.set
        )
        self.settler = Settler(client, settings.command_timeout)
        self.lights = Lights(settings.lights, pin_factory=pin_factory, on_show=on_scene)
        self.presses = PressHandler(
            settings, client, self.printing, self.settler,
            Signals(self.lights.beep, self._refresh, self._refresh_later, on_printed), clock,
        )
        try:
            self.buttons = ButtonBoard(
                settings.buttons, self._press_from_gpio, pin_factory=pin_factory, clock=clock
            )
        except Exception:
            self.lights.close()
            raise

    # Watching what happens (tests, the simulated mode and the benchmark).

    def on_result(self, callback: Callable[[Result], None]) -> None:
        self.presses.on_result(callback)

    @property
    def counts(self) -> dict[str, int]:
        return self.presses.counts

    @property
    def reading(self) -> PrinterReading:
        return self.printing.reading

    # The main loop.

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until `stop` is set (or the task is cancelled)."""
        self._loop = asyncio.get_running_loop()
        unsubscribe = self.client.on_change(self._client_changed)
        await self.client.start()
        self._refresh()
        self._health_due.set()
        watchers = [
            asyncio.create_task(self.printing.watch(), name="kiosk printer"),
            asyncio.create_task(self._report_health_loop(), name="kiosk health"),
            asyncio.create_task(self.settler.run(), name="kiosk settle"),
        ]
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            unsubscribe()
            pending = [*watchers, *self.presses.tasks]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await self.client.stop()
            self.buttons.close()
            self.lights.close()
            self.printing.close()

    def _press_from_gpio(self, press: Press) -> None:
        loop = self._loop
        if loop is not None:
            # A press while the kiosk shuts down finds the loop closed: it is dropped.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.presses.press, press)

    # Health.

    def health(self) -> DeviceHealth:
        printing = self.printing
        state = printing.reading.state
        if printing.print_failed and (state is None or state.can_print):
            state = PrinterState.ERROR
        detail = printing.last_failure if printing.print_failed else printing.reading.detail
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
            detail=(detail or next(iter(self.set_up_problems), "") or disk.problem or "")[:300]
            or None,
            extra={
                "paper": printing.paper.name, **self.counts,
                "disk_free_mb": disk.free_bytes // (1024 * 1024),
                "root_read_only": disk.read_only,
            },
        )

    async def _report_health_loop(self) -> None:
        await keep_reporting(
            self.health, self.client.report_health,
            every=self.settings.health_report_seconds, due=self._health_due, log=log,
        )

    # The connection.

    def _client_changed(self, update: ClientUpdate) -> None:
        if update.kind == "snapshot" and update.snapshot is not None:
            self._set_up(button_problems(self.settings, update.snapshot))
        elif update.kind == "state":
            refused = self.client.refusal
            if update.state is ConnectionState.REFUSED and refused is not None:
                self._set_up([refusal_problem(self.settings, refused)])
            self._refresh()
            if update.state is ConnectionState.ONLINE:
                self.settler.wake()

    def _set_up(self, problems: list[str]) -> None:
        """Say each set-up mistake once, when it is first seen; the lamp shows them all."""
        if tuple(problems) == self.set_up_problems:
            return
        for problem in problems:
            if problem not in self.set_up_problems:
                log.error("set-up: %s", problem)
        self.set_up_problems = tuple(problems)
        self._refresh()
        self._health_due.set()

    # The lamps.

    def status(self) -> KioskStatus:
        now = self.clock()
        return KioskStatus(
            online=self.client.state.is_online,
            printer=self.printing.reading.state,
            print_failed=self.printing.print_failed,
            busy=self.presses.busy,
            priority_armed=self.presses.arming.armed(now),
            closed_signal=now < self.presses.closed_until,
            set_up_wrong=bool(self.set_up_problems),
        )

    def _refresh(self) -> None:
        self.lights.show(scene_for(self.status()))

    def _refresh_later(self, seconds: float) -> None:
        if self._loop is not None:
            self._loop.call_later(seconds + 0.01, self._refresh)
