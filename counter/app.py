"""The keypad program: presses become commands on the server, the LCDs show its state.

One asyncio loop runs everything. The DeviceClient's own task owns the socket
and keeps the office's snapshot; button presses arrive from gpiozero's
threads and are handed to the loop, where they only decide whether to act
and then send one command. LCDs are written from worker threads, each
always with the newest picture.

What the office can rely on (docs/counter.md says why):
- a press while that counter's command is on its way is ignored, never
  queued, and so is one within `quiet_seconds` of the answer;
- NEXT finishes the citizen at the counter and calls the next one, but not
  within `next_guard_seconds` of a call (the citizen is still walking up);
- after `recall_limit` recalls, RECALL asks for NO-SHOW instead;
- a press while offline is refused on the spot, and a command whose
  connection drops is abandoned, never sent later: the LCD then shows what
  the server says once it is back;
- the LCD shows the server's state (snapshot and deltas), never a guess.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
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
from antrean.health import DeviceHealth, keep_reporting
from antrean.lamps import Lamps, Scene
from antrean.protocol import (
    CallNextCommand,
    Command,
    CounterStateCommand,
    CounterView,
    RateServiceCommand,
    TicketCommand,
    TicketView,
    TransferCommand,
)
from antrean.vocabulary import CounterState, DeviceKind, EventType, TicketStatus
from counter import screen
from counter.buttons import CounterButtons, Key, Press
from counter.errors import LcdUnavailable
from counter.lcd import I2cLcd, Lcd
from counter.lights import DeskStatus, scene_for
from counter.screen import DeskView, Message, lines_for
from counter.settings import CounterSettings, CounterWiring
from counter.setup import pin_problems

log = logging.getLogger(__name__)

MESSAGE_SECONDS = 4.0  # how long a message after a press stays on the LCD
TICK = 0.5  # the LCD's clock and messages are looked at this often


class Outcome(StrEnum):
    DONE = "done"  # the server carried it out
    NOBODY = "nobody"  # NEXT: nobody waits for this counter
    IGNORED = "ignored"  # a command was on its way, or nothing to act on
    REFUSED_HERE = "refused_here"  # the keypad said no itself (guard, limit, offline, set-up)
    REFUSED = "refused"  # the server said no
    NO_ANSWER = "no_answer"  # timed out or the connection dropped: abandoned, not retried


@dataclass(frozen=True)
class Result:
    """What one press came to."""

    counter: int
    key: Key
    outcome: Outcome
    pressed_at: float
    finished_at: float
    detail: str = ""
    ticket: TicketView | None = None


LcdFactory = Callable[[CounterWiring], Lcd | None]


def i2c_lcd(wiring: CounterWiring) -> Lcd | None:
    return I2cLcd(wiring.lcd) if wiring.lcd.address is not None else None


class LcdDriver:
    """Shows the newest lines on one LCD, from a worker thread; retries a silent one."""

    def __init__(
        self,
        lcd: Lcd,
        label: str,
        retry_seconds: float,
        on_change: Callable[[], None],
        on_shown: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.lcd = lcd
        self.label = label
        self.retry_seconds = retry_seconds
        self.wanted: list[str] | None = None
        self.shown: list[str] | None = None
        self.problem: str | None = None
        self._due = asyncio.Event()
        self._on_change = on_change
        self._on_shown = on_shown

    @property
    def silent(self) -> bool:
        return self.problem is not None

    def want(self, lines: list[str]) -> None:
        if lines != self.wanted:
            self.wanted = lines
            self._due.set()

    async def run(self) -> None:
        while True:
            await self._due.wait()
            self._due.clear()
            lines = self.wanted
            if lines is None or lines == self.shown:
                continue
            try:
                await asyncio.to_thread(self.lcd.show, lines)
            except LcdUnavailable as error:
                self.shown = None
                if self.problem is None:
                    self.problem = f"{self.label}: {error}"
                    log.warning("%s; the buttons keep working", self.problem)
                    self._on_change()
                await asyncio.sleep(self.retry_seconds)
                self._due.set()
                continue
            self.shown = lines
            if self.problem is not None:
                log.info("%s: the LCD answers again", self.label)
                self.problem = None
                self._on_change()
            if self._on_shown is not None:
                self._on_shown(lines)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.lcd.close()


@dataclass
class Desk:
    """One counter worked from this Pi."""

    wiring: CounterWiring
    lights: Lamps[Scene] | None = None
    buttons: CounterButtons | None = None
    lcd: LcdDriver | None = None
    busy: bool = False
    rating: bool = False  # a face's rating is on its way
    quiet_until: float = float("-inf")
    message: Message | None = None
    message_until: float = float("-inf")
    problem: Message | None = None  # set-up: the counter is not worked until it is fixed
    problem_line: str | None = None
    rateable: tuple[int, float] | None = None  # the visit just ended, and until when
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def number(self) -> int:
        return self.wiring.number


class Keypad:
    def __init__(
        self,
        settings: CounterSettings,
        client: DeviceClient,
        *,
        pin_factory: Any = None,
        lcd_factory: LcdFactory = i2c_lcd,
        on_scene: Callable[[int, Scene], None] | None = None,
        on_lcd: Callable[[int, list[str]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not settings.counters:
            raise ValueError(
                "no counter is wired: add a [[counters]] table with its number and pins"
            )
        self.settings = settings
        self.client = client
        self.clock = clock
        self.wall_clock = wall_clock
        self._on_lcd = on_lcd
        self._results: list[Callable[[Result], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = clock()
        self._server_offset = timedelta(0)
        self._ever_online = False
        self._health_due = asyncio.Event()
        self.counts = {"presses": 0, "ignored_presses": 0, "commands": 0, "refusals": 0}
        self.desks: dict[int, Desk] = {}
        problems = pin_problems(settings)
        try:
            for wiring in settings.counters:
                desk = Desk(wiring)
                self.desks[wiring.number] = desk
                for problem in problems:
                    if wiring.number in problem.counters:
                        desk.problem, desk.problem_line = problem.lcd, problem.log_line
                if desk.problem is not None:
                    log.error("counter %d: %s", wiring.number, desk.problem_line)
                else:
                    desk.lights = Lamps(
                        Scene(), wiring.lights.pins(), wiring.lights.buzzer,
                        active_high=settings.active_high, pin_factory=pin_factory,
                        on_show=partial(on_scene, wiring.number) if on_scene else None,
                    )
                    desk.buttons = CounterButtons(
                        wiring, self._press_from_gpio, hold_seconds=settings.hold_seconds,
                        pull_up=settings.pull_up, pin_factory=pin_factory, clock=clock,
                    )
                lcd = lcd_factory(wiring)
                if lcd is not None:
                    desk.lcd = LcdDriver(
                        lcd, f"counter {wiring.number}",
                        wiring.lcd.retry_seconds, self._refresh_all,
                        on_shown=partial(self._shown, wiring.number),
                    )
        except Exception:
            self._close_hardware()
            raise

    # Watching what happens (tests, the simulated mode, the demo and the benchmark).

    def on_result(self, callback: Callable[[Result], None]) -> None:
        self._results.append(callback)

    # The main loop.

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until `stop` is set (or the task is cancelled)."""
        self._loop = asyncio.get_running_loop()
        unsubscribe = self.client.on_change(self._client_changed)
        await self.client.start()
        self._refresh_all()
        workers = [
            asyncio.create_task(desk.lcd.run(), name=f"counter {desk.number} lcd")
            for desk in self.desks.values() if desk.lcd is not None
        ]
        workers.append(asyncio.create_task(self._tick(), name="counter clock"))
        workers.append(asyncio.create_task(self._report_health_loop(), name="counter health"))
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            unsubscribe()
            pending = [task for desk in self.desks.values() for task in desk.tasks]
            for task in [*workers, *pending]:
                task.cancel()
            await asyncio.gather(*workers, *pending, return_exceptions=True)
            await self.client.stop()
            self._close_hardware()

    def _close_hardware(self) -> None:
        for desk in self.desks.values():
            for device in (desk.buttons, desk.lights, desk.lcd):
                if device is not None:
                    device.close()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            self._refresh_all()

    # Presses.

    def _press_from_gpio(self, press: Press) -> None:
        loop = self._loop
        if loop is not None:
            # A press while the keypad shuts down finds the loop closed: it is dropped.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._on_press, press)

    def _on_press(self, press: Press) -> None:
        self.counts["presses"] += 1
        desk = self.desks[press.counter]
        if press.key is Key.FACE:
            self._on_face(desk, press)
            return
        if desk.busy or press.at < desk.quiet_until:
            self.counts["ignored_presses"] += 1
            self._finish(desk, press, Outcome.IGNORED, "a command is on its way")
            return
        refusal = self._refusal_here(desk, press)
        if refusal is not None:
            self._say(desk, refusal)
            self._beep(desk, 2)
            self._finish(desk, press, Outcome.REFUSED_HERE, refusal.long)
            return
        command = self._command_for(desk, press)
        if command is None:
            self._say(desk, screen.NOBODY_CALLED)
            self._beep(desk, 2)
            self._finish(desk, press, Outcome.REFUSED_HERE, "nobody is at the counter")
            return
        desk.busy = True
        self._beep(desk, 1)
        self._refresh(desk)
        self._spawn(desk, self._send(desk, press, command))

    def _refusal_here(self, desk: Desk, press: Press) -> Message | None:
        if desk.problem is not None:
            return desk.problem
        if self.client.state is ConnectionState.REFUSED:
            return screen.TOKEN_REFUSED
        if not self.client.state.is_online:
            return screen.OFFLINE
        current = self._current(desk)
        if press.key is Key.NEXT and current is not None and current.status is TicketStatus.CALLED:
            since = self._since_call(current)
            if since is not None and since.total_seconds() < self.settings.next_guard_seconds:
                return screen.JUST_CALLED
        if (
            press.key is Key.RECALL
            and current is not None
            and current.call_count > self.settings.recall_limit
        ):
            return screen.RECALL_LIMIT
        return None

    def _command_for(self, desk: Desk, press: Press) -> Command | None:
        site, number = self.settings.site, desk.number
        if press.key is Key.NEXT:
            return CallNextCommand(site=site, counter=number)
        if press.key is Key.PAUSE:
            view = self._counter_view(desk)
            opening = view is not None and view.state is not CounterState.OPEN
            return CounterStateCommand(
                site=site, counter=number,
                state=CounterState.OPEN if opening else CounterState.PAUSED,
                reason=None if opening else self.settings.pause_reason,
            )
        current = self._current(desk)
        if current is None:
            return None
        if press.key is Key.TRANSFER:
            target = desk.wiring.keys.transfer_to
            assert target is not None, "the settings refuse a TRANSFER pin without transfer_to"
            return TransferCommand(ticket_id=current.id, service=target)
        steps = {Key.RECALL: "recall", Key.NO_SHOW: "no_show", Key.FINISH: "finish"}
        return TicketCommand(type=steps[press.key], ticket_id=current.id)

    async def _send(self, desk: Desk, press: Press, command: Command) -> None:
        outcome, detail, ticket = Outcome.DONE, "", None
        try:
            self.counts["commands"] += 1
            answer = await self.client.send(
                command, request_id=uuid.uuid4().hex, timeout=self.settings.command_timeout
            )
            ticket = TicketView.model_validate(answer) if answer and "code" in answer else None
            outcome, message = self._answered(press.key, ticket)
            self._say(desk, message)
        except CommandFailed as refusal:
            self.counts["refusals"] += 1
            outcome, detail = Outcome.REFUSED, refusal.code
            self._say(desk, screen.refusal_message(refusal.code))
            self._beep(desk, 2)
        except (CommandTimeout, ClientError, asyncio.CancelledError) as error:
            # Abandoned: never sent again. Once back, the LCD shows what the server did.
            outcome, detail = Outcome.NO_ANSWER, type(error).__name__
            online = self.client.state.is_online
            self._say(desk, screen.NO_ANSWER if online else screen.OFFLINE)
            self._beep(desk, 2)
        except Exception as error:  # a bug must not leave the counter busy for ever
            log.exception("counter %d: %s failed", desk.number, press.key.value)
            outcome, detail = Outcome.REFUSED, repr(error)
        finally:
            desk.busy = False
            desk.quiet_until = self.clock() + self.settings.quiet_seconds
            self._refresh(desk)
        self._finish(desk, press, outcome, detail, ticket)

    @staticmethod
    def _answered(key: Key, ticket: TicketView | None) -> tuple[Outcome, Message | None]:
        """What the answer to a key's command came to, and what the LCD says about it."""
        if key is Key.NEXT:
            return (Outcome.DONE, None) if ticket is not None else (Outcome.NOBODY, screen.NO_QUEUE)
        if ticket is None:
            return Outcome.DONE, None
        said = {
            Key.RECALL: lambda: screen.recalled(ticket.call_count),
            Key.FINISH: lambda: screen.finished(ticket.code),
            Key.NO_SHOW: lambda: screen.no_show(ticket.code),
            Key.TRANSFER: lambda: screen.transferred(ticket.code, ticket.service),
        }.get(key)
        return Outcome.DONE, said() if said is not None else None

    # The citizen's faces.

    def _on_face(self, desk: Desk, press: Press) -> None:
        rateable = desk.rateable
        online = self.client.state.is_online
        if desk.rating or rateable is None or press.at > rateable[1] or not online:
            # One rating per visit: presses after it, or with no visit just ended, are not taken.
            self.counts["ignored_presses"] += 1
            self._finish(desk, press, Outcome.IGNORED, "no visit to rate")
            return
        assert press.face is not None
        desk.rating = True
        self._beep(desk, 1)
        command = RateServiceCommand(ticket_id=rateable[0], satisfaction=press.face)
        self._spawn(desk, self._rate(desk, press, command))

    async def _rate(self, desk: Desk, press: Press, command: RateServiceCommand) -> None:
        outcome, detail = Outcome.DONE, ""
        try:
            await self.client.send(
                command, request_id=uuid.uuid4().hex, timeout=self.settings.command_timeout
            )
            self._say(desk, screen.THANKS)
        except CommandFailed as refusal:
            outcome, detail = Outcome.REFUSED, refusal.code
        except (ClientError, asyncio.CancelledError) as error:
            outcome, detail = Outcome.NO_ANSWER, type(error).__name__
        finally:
            desk.rating = False
            desk.rateable = None  # once per visit, whatever the answer
        self._finish(desk, press, outcome, detail)

    # The connection.

    def _client_changed(self, update: ClientUpdate) -> None:
        if update.kind == "state":
            if update.state.is_online:
                self._ever_online = True
            else:
                for desk in self.desks.values():
                    for task in desk.tasks:
                        task.cancel()  # abandoned, so never replayed as a surprise call
        if update.kind == "snapshot":
            self._check_set_up()
        if update.kind == "event" and update.event is not None:
            # An event arrives as it happens, stamped with the server's time: the
            # keypad's clock is set by it (a Pi without network time may be off).
            self._server_offset = update.event.at - self.wall_clock()
            self._on_event(update.event.type, update.event.counter, update.event.ticket)
        self._refresh_all()

    def _on_event(self, kind: EventType, counter: int | None, ticket: TicketView | None) -> None:
        desk = self.desks.get(counter) if counter is not None else None
        if desk is None or ticket is None:
            return
        if kind is EventType.FINISHED:
            desk.rateable = (ticket.id, self.clock() + desk.wiring.faces.window_seconds)
        elif kind is EventType.RATED and desk.rateable and desk.rateable[0] == ticket.id:
            desk.rateable = None

    def _check_set_up(self) -> None:
        snapshot, welcome = self.client.snapshot, self.client.welcome
        if snapshot is None or welcome is None:
            return
        known = {c.number for c in snapshot.counters}
        caller = welcome.caller
        for desk in self.desks.values():
            if desk.buttons is None and desk.lights is None:
                continue  # a pin problem, found at start, stays until the settings change
            if desk.number not in known:
                problem: Message | None = screen.unknown_counter(desk.number)
                line = f"the office {snapshot.site.code} has no counter {desk.number}"
            elif caller.device_kind is not DeviceKind.COUNTER or desk.number not in caller.counters:
                problem = screen.not_this_counter(desk.number)
                bound = ", ".join(map(str, caller.counters)) or "none"
                line = (
                    f"the token is not for counter {desk.number} "
                    f"({caller.label}, counters: {bound}): fix the token or the settings"
                )
            else:
                problem, line = None, ""
            if problem != desk.problem:
                if problem is not None:
                    log.error("counter %d: %s", desk.number, line)
                else:
                    log.info("counter %d: set-up fine now", desk.number)
                desk.problem, desk.problem_line = problem, line or None
                self._health_due.set()

    # What the LCD and the lamps show.

    def _counter_view(self, desk: Desk) -> CounterView | None:
        snapshot = self.client.snapshot
        if snapshot is None:
            return None
        return next((c for c in snapshot.counters if c.number == desk.number), None)

    def _current(self, desk: Desk) -> TicketView | None:
        view = self._counter_view(desk)
        return view.current if view is not None else None

    def _since_call(self, ticket: TicketView) -> timedelta | None:
        if ticket.called_at is None:
            return None
        return self.wall_clock() + self._server_offset - ticket.called_at

    def _waiting(self, view: CounterView | None) -> int | None:
        snapshot = self.client.snapshot
        if snapshot is None or view is None:
            return None
        return sum(s.waiting for s in snapshot.services if s.code in view.services)

    def _message(self, desk: Desk, view: CounterView | None) -> Message | None:
        if desk.problem is not None:
            return desk.problem
        state = self.client.state
        if state is ConnectionState.REFUSED:
            return screen.TOKEN_REFUSED
        if not state.is_online:
            return screen.OFFLINE if self._ever_online else screen.CONNECTING
        if desk.message is not None and self.clock() < desk.message_until:
            return desk.message
        if view is not None and view.state is CounterState.PAUSED:
            return screen.PAUSED
        if view is not None and view.state is CounterState.CLOSED:
            return screen.CLOSED
        return None

    def desk_view(self, desk: Desk) -> DeskView:
        view = self._counter_view(desk)
        current = view.current if view is not None else None
        return DeskView(
            number=desk.number,
            state=view.state if view is not None else None,
            current=current,
            waiting=self._waiting(view),
            since_call=self._since_call(current) if current is not None else None,
            message=self._message(desk, view),
        )

    def status(self, desk: Desk) -> DeskStatus:
        view = self._counter_view(desk)
        return DeskStatus(
            online=self.client.state.is_online,
            open=view is not None and view.state is CounterState.OPEN,
            busy=desk.busy,
            set_up_wrong=desk.problem is not None or self.client.state is ConnectionState.REFUSED,
            lcd_silent=desk.lcd is not None and desk.lcd.silent,
        )

    def _refresh(self, desk: Desk) -> None:
        if desk.lights is not None:
            desk.lights.show(scene_for(self.status(desk)))
        if desk.lcd is not None:
            lcd = desk.lcd.lcd
            desk.lcd.want(lines_for(self.desk_view(desk), lcd.cols, lcd.rows))

    def _refresh_all(self) -> None:
        for desk in self.desks.values():
            self._refresh(desk)

    def _say(self, desk: Desk, message: Message | None) -> None:
        desk.message = message
        desk.message_until = self.clock() + MESSAGE_SECONDS if message else float("-inf")
        self._refresh(desk)

    def _beep(self, desk: Desk, times: int) -> None:
        if desk.lights is not None:
            desk.lights.beep(times)

    def _shown(self, number: int, lines: list[str]) -> None:
        if self._on_lcd is not None:
            self._on_lcd(number, lines)

    # Health.

    def health(self) -> DeviceHealth:
        problems = [
            f"counter {desk.number}: {desk.problem_line}"
            for desk in self.desks.values() if desk.problem_line
        ] + [desk.lcd.problem for desk in self.desks.values() if desk.lcd and desk.lcd.problem]
        extra: dict[str, str | int | float | bool] = dict(self.counts)
        for desk in self.desks.values():
            extra[f"lcd_{desk.number}"] = (
                "none" if desk.lcd is None else "silent" if desk.lcd.silent else "ok"
            )
        return DeviceHealth(
            version=antrean.__version__,
            uptime_seconds=max(0.0, self.clock() - self._started),
            detail="; ".join(problems)[:300] or None,
            extra=extra,
        )

    async def _report_health_loop(self) -> None:
        self._health_due.set()
        await keep_reporting(
            self.health, self.client.report_health,
            every=self.settings.health_report_seconds, due=self._health_due, log=log,
        )

    # Small helpers.

    def _finish(
        self,
        desk: Desk,
        press: Press,
        outcome: Outcome,
        detail: str = "",
        ticket: TicketView | None = None,
    ) -> None:
        result = Result(desk.number, press.key, outcome, press.at, self.clock(), detail, ticket)
        if outcome is not Outcome.IGNORED:
            log.info("counter %d %s → %s %s", desk.number, press.key.value, outcome.value, detail)
        for callback in list(self._results):
            callback(result)

    def _spawn(self, desk: Desk, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        desk.tasks.add(task)
        task.add_done_callback(desk.tasks.discard)

