"""One simulated office day, run through the real commands with a simulated clock.

Citizens take numbers at the kiosk (`issue_ticket`); officers press NEXT when
they are done with a citizen (`call_next`, which also finishes the one
before), recall a citizen who has not come and mark them absent after a
while, pause their counter for a break and open it again, and open or close
counters as the staffing says. Every step goes through `Operations.execute`
with the wire commands a kiosk and a keypad send, so the day is the server's
own: its numbering, call order, fairness rule and wait estimate. The clock is
the only thing simulated; it jumps from one event to the next.

The officer's habits, written down because they shape the figures:
- an officer who finds nobody waiting stays at the counter and presses NEXT
  as soon as a number appears for a service the counter serves;
- at the office's scheduled break an officer finishes the citizen at the
  counter, then rests until the break ends (the counter stays open, as the
  server expects during a scheduled break);
- for a counter's own break the officer finishes the citizen, pauses the
  counter, and opens it again when the break is over;
- the office serves everyone who took a number, however late it gets.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Literal

from antrean.protocol import (
    CallNextCommand,
    Command,
    CounterStateCommand,
    IssuedTicket,
    IssueTicketCommand,
    TicketCommand,
)
from antrean.vocabulary import CounterState, DeviceKind, Priority
from server.engine.errors import QueueError
from server.engine.schedule import WEEKDAYS
from server.operations import Operations, Outcome
from server.permissions import Caller
from server.simulation.citizens import Citizen, citizens_of_day
from server.simulation.scenario import Scenario, parse_clock
from server.store.database import Database

RECENT_SECONDS = 30 * 60
# What an officer does to the citizen at the counter.
Step = Literal["recall", "finish", "no_show"]


@dataclass
class TicketRecord:
    """One citizen's day as the kiosk and the counters saw it (seconds after midnight)."""

    seed: int
    citizen: Citizen
    code: str | None = None
    ticket_id: int | None = None
    refused: str | None = None
    people_ahead: int | None = None
    estimate: float | None = None  # minutes, as printed on the ticket
    naive_ahead: float | None = None  # people ahead × mean minutes ÷ open counters
    naive_recent: float | None = None  # mean wait of those called in the last 30 minutes
    called_at: float | None = None
    counter: int | None = None
    finished_at: float | None = None

    @property
    def service(self) -> str:
        return self.citizen.service

    @property
    def priority(self) -> Priority:
        return self.citizen.priority

    @property
    def issued_at(self) -> float:
        return self.citizen.arrives

    @property
    def wait_minutes(self) -> float | None:
        """From taking the number to the first call."""
        if self.called_at is None:
            return None
        return (self.called_at - self.citizen.arrives) / 60

    @property
    def served(self) -> bool:
        return self.finished_at is not None


@dataclass
class CounterRecord:
    number: int
    busy_seconds: float = 0.0
    open_seconds: float = 0.0

    @property
    def utilisation(self) -> float | None:
        return self.busy_seconds / self.open_seconds if self.open_seconds > 0 else None


@dataclass
class DayResult:
    scenario: str
    seed: int
    midnight: datetime
    tickets: list[TicketRecord]
    counters: list[CounterRecord]
    commands: int
    ended: float  # when the last citizen left (seconds after midnight)


@dataclass
class _Officer:
    number: int
    services: list[str]
    caller: Caller
    state: CounterState = CounterState.OPEN
    current: TicketRecord | None = None
    idle: bool = False
    resting: bool = False
    closing: bool = False
    break_minutes: float | None = None
    record: CounterRecord = field(init=False)
    open_since: float | None = None

    def __post_init__(self) -> None:
        self.record = CounterRecord(self.number)


class SimulatedClock:
    """What `Operations` asks for the time: the simulation's current instant."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Day:
    def __init__(self, scenario: Scenario, seed: int, db: Database, site_id: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.site = scenario.site_code
        self.clock = SimulatedClock(scenario.midnight())
        self.operations = Operations(db, clock=self.clock)
        self.kiosk = Caller("kiosk:simulated", site_id, device_kind=DeviceKind.KIOSK)
        self.officers = [
            _Officer(
                number,
                scenario.serves(number),
                Caller(
                    f"counter:{number}", site_id, device_kind=DeviceKind.COUNTER,
                    counters=frozenset({number}),
                ),
            )
            for number in scenario.counter_numbers
        ]
        self.tickets: list[TicketRecord] = []
        self.by_id: dict[int, TicketRecord] = {}
        self.commands = 0
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        weekday = WEEKDAYS[scenario.about.day.weekday()]
        self.site_breaks = [
            (scenario.seconds(span.start), scenario.seconds(span.end))
            for span in scenario.office.schedule().breaks.get(weekday, [])
        ]

    # The event loop.

    def at(self, moment: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (moment, next(self._order), action))

    def run(self) -> DayResult:
        for officer in self.officers:
            self._set_state(officer, CounterState.CLOSED)
        for moment, count in self.scenario.staffing:
            self.at(self.scenario.seconds(moment), partial(self._staff, count))
        for pause in self.scenario.breaks:
            officer = next(o for o in self.officers if o.number == pause.counter)
            self.at(
                self.scenario.seconds(parse_clock(pause.at)),
                partial(self._break_due, officer, pause.minutes),
            )
        for citizen in citizens_of_day(self.scenario, self.seed):
            self.at(citizen.arrives, partial(self._arrive, citizen))
        while self._queue:
            self.now, _, action = heapq.heappop(self._queue)
            action()
        ended = max([self.now, *(t.finished_at or 0 for t in self.tickets)])
        for officer in self.officers:
            self._stop_clock(officer, ended)
        return DayResult(
            self.scenario.name, self.seed, self.scenario.midnight(), self.tickets,
            [o.record for o in self.officers], self.commands, ended,
        )

    def execute(self, caller: Caller, command: Command) -> Outcome:
        self.clock.now = self.scenario.instant(self.now)
        self.commands += 1
        return self.operations.execute(caller, command)

    # The kiosk.

    def _arrive(self, citizen: Citizen) -> None:
        record = TicketRecord(self.seed, citizen)
        self.tickets.append(record)
        mean, open_counters = self._naive_inputs(citizen.service)
        record.naive_recent = self._recent_wait(citizen.service)
        try:
            outcome = self.execute(
                self.kiosk,
                IssueTicketCommand(site=self.site, service=citizen.service,
                                   priority=citizen.priority),
            )
        except QueueError as refusal:
            record.refused = refusal.code
            return
        assert outcome.body is not None
        issued = IssuedTicket.model_validate(outcome.body)
        record.ticket_id = issued.ticket.id
        record.code = issued.ticket.code
        record.people_ahead = issued.people_ahead
        record.estimate = issued.estimated_wait_minutes
        if open_counters:
            record.naive_ahead = issued.people_ahead * mean / open_counters
        self.by_id[issued.ticket.id] = record
        for officer in self.officers:
            if officer.idle and citizen.service in officer.services:
                officer.idle = False
                self._ready(officer)
                if officer.current is record:
                    break

    def _naive_inputs(self, service: str) -> tuple[float, int]:
        durations = [
            (t.finished_at - t.called_at) / 60
            for t in self.tickets
            if t.service == service and t.finished_at is not None and t.called_at is not None
        ]
        mean = statistics.fmean(durations) if durations else self.scenario.default_minutes(service)
        open_counters = sum(
            1 for o in self.officers if o.state == CounterState.OPEN and service in o.services
        )
        return mean, open_counters

    def _recent_wait(self, service: str) -> float:
        waits = [
            t.wait_minutes
            for t in self.tickets
            if t.service == service and t.called_at is not None
            and t.called_at >= self.now - RECENT_SECONDS and t.wait_minutes is not None
        ]
        return statistics.fmean(waits) if waits else 0.0

    # The officers.

    def _ready(self, officer: _Officer) -> None:
        """The officer is free: the citizen at the counter (if any) is done."""
        if officer.state != CounterState.OPEN:
            return
        if officer.closing:
            self._finish_current(officer)
            self._set_state(officer, CounterState.CLOSED)
            return
        if officer.break_minutes is not None:
            self._start_break(officer)
            return
        rest_until = self._site_break_end(self.now)
        if rest_until is not None:
            self._finish_current(officer)
            officer.resting = True
            self.at(rest_until, lambda: self._end_rest(officer))
            return
        finishing = officer.current
        outcome = self.execute(
            officer.caller, CallNextCommand(site=self.site, counter=officer.number)
        )
        if finishing is not None:
            finishing.finished_at = self.now
            officer.current = None
        if outcome.body is None:
            officer.idle = True
            return
        record = self.by_id[int(outcome.body["id"])]
        record.called_at = self.now
        record.counter = officer.number
        officer.current = record
        citizen = record.citizen
        if citizen.no_show:
            officers = self.scenario.officers
            officer.record.busy_seconds += officers.no_show_after_minutes * 60
            self.at(self.now + officers.recall_after_minutes * 60,
                    lambda: self._step(officer, record, "recall"))
            self.at(self.now + officers.no_show_after_minutes * 60,
                    lambda: self._absent(officer, record))
        else:
            busy = citizen.walk_seconds + citizen.counter_seconds
            officer.record.busy_seconds += busy
            self.at(self.now + busy, lambda: self._ready(officer))

    def _absent(self, officer: _Officer, record: TicketRecord) -> None:
        self._step(officer, record, "no_show")
        officer.current = None
        self._ready(officer)

    def _step(self, officer: _Officer, record: TicketRecord, kind: Step) -> None:
        assert record.ticket_id is not None
        self.execute(officer.caller, TicketCommand(type=kind, ticket_id=record.ticket_id))

    def _finish_current(self, officer: _Officer) -> None:
        if officer.current is not None:
            self._step(officer, officer.current, "finish")
            officer.current.finished_at = self.now
            officer.current = None

    def _site_break_end(self, moment: float) -> float | None:
        for start, end in self.site_breaks:
            if start <= moment < end:
                return end
        return None

    def _end_rest(self, officer: _Officer) -> None:
        if officer.resting:
            officer.resting = False
            self._ready(officer)

    def _break_due(self, officer: _Officer, minutes: float) -> None:
        officer.break_minutes = minutes
        if officer.state == CounterState.OPEN and (officer.idle or officer.resting):
            self._start_break(officer)

    def _start_break(self, officer: _Officer) -> None:
        minutes = officer.break_minutes
        assert minutes is not None
        officer.break_minutes = None
        officer.idle = officer.resting = False
        self._finish_current(officer)
        self._set_state(officer, CounterState.PAUSED)
        self.at(self.now + minutes * 60, lambda: self._end_break(officer))

    def _end_break(self, officer: _Officer) -> None:
        if officer.closing:
            officer.closing = False
            self._set_state(officer, CounterState.CLOSED)
            return
        self._set_state(officer, CounterState.OPEN)
        self._ready(officer)

    def _staff(self, count: int) -> None:
        wanted_numbers = self.scenario.staffable[:count]
        for officer in self.officers:
            wanted = officer.number in wanted_numbers
            if wanted:
                officer.closing = False
                if officer.state == CounterState.CLOSED:
                    self._set_state(officer, CounterState.OPEN)
                    self._ready(officer)
            elif officer.state == CounterState.OPEN and (officer.idle or officer.resting):
                officer.idle = officer.resting = False
                self._set_state(officer, CounterState.CLOSED)
            elif officer.state != CounterState.CLOSED:
                officer.closing = True

    def _set_state(self, officer: _Officer, state: CounterState) -> None:
        self.execute(
            officer.caller,
            CounterStateCommand(site=self.site, counter=officer.number, state=state),
        )
        if state == CounterState.OPEN:
            officer.open_since = self.now
        else:
            self._stop_clock(officer, self.now)
        officer.state = state

    def _stop_clock(self, officer: _Officer, moment: float) -> None:
        if officer.open_since is None:
            return
        rest = sum(
            max(0.0, min(end, moment) - max(start, officer.open_since))
            for start, end in self.site_breaks
        )
        officer.record.open_seconds += moment - officer.open_since - rest
        officer.open_since = None


def run_day(scenario: Scenario, seed: int, db: Database, site_id: int) -> DayResult:
    return Day(scenario, seed, db, site_id).run()
