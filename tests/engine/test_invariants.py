"""The queue rules against an independent model, over random command sequences.

A hypothesis state machine drives every engine command on a demo-like office
stored in a real database while a small model of its own predicts each
outcome: which ticket a counter calls, which refusal comes back, which events
are appended. Each command is its own transaction, as in the server. After
every step the invariants that must hold whatever happened are checked on the
rows as stored, and the model is compared with them. The machine runs on a
SQLite file and on PostgreSQL.

A seeded random walk at the end runs the same commands on both databases and
finds they leave the same tickets and the same event stream, timestamps
included.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from antrean.protocol import QueueSnapshot
from antrean.vocabulary import CounterState, EventType, Priority, TicketStatus
from server.admin import CounterSpec, ServiceSpec
from server.engine import commands as engine
from server.engine import views
from server.engine.errors import QueueError
from server.engine.model import OPEN_STATUSES, Counter, Event, Service, Site, Ticket
from server.engine.schedule import WEEKDAYS, Schedule, TimeRange
from server.store.unit_of_work import DaysTidied, UnitOfWork
from tests.engine.offices import Desk, Work, database_desk, office_spec

ZONE = ZoneInfo("Asia/Makassar")
MAX_IN_ROW = 2
# C starts high so the 999 limit is reached within a few steps; D has a small
# quota and its own hours; X is switched off.
SERVICES = [
    ServiceSpec("A", "KTP & KK", daily_quota=300, default_service_minutes=8),
    ServiceSpec("B", "Akta", daily_quota=150, default_service_minutes=12),
    ServiceSpec("C", "Surat Keterangan", first_number=995, default_service_minutes=6),
    ServiceSpec("D", "Perizinan", daily_quota=4, default_service_minutes=15),
    ServiceSpec("E", "Informasi", default_service_minutes=5),
    ServiceSpec("X", "Layanan lama"),
]
SERVICE_CODES = [s.code for s in SERVICES]
# Commands are drawn uniformly; repeats make the common cases common.
ISSUE_CODES = ["A", "A", "B", "C", "C", "D", "D", "E", "X"]
PRIORITIES = [Priority.NONE, Priority.ELDERLY, Priority.DISABLED]
COUNTER_STATES = [CounterState.OPEN, CounterState.OPEN, CounterState.PAUSED, CounterState.CLOSED]
SERVED = {1: ["A", "C"], 2: ["A", "B"], 3: ["B", "C", "D"], 4: ["E", "D", "C"]}
D_HOURS = Schedule(
    sessions={day: [TimeRange.parse("08:00-15:00")] for day in WEEKDAYS}, cutoff_minutes=30
)
SITE_CLOSES = time(23, 59, 59)
STATUS_TIMESTAMPS = {
    TicketStatus.DONE: "finished_at",
    TicketStatus.NO_SHOW: "no_show_at",
    TicketStatus.CANCELLED: "cancelled_at",
    TicketStatus.EXPIRED: "expired_at",
}


def arrange(site: Site, services: dict[str, Service]) -> None:
    site.priority_max_in_row = MAX_IN_ROW
    services["D"].schedule = D_HOURS
    services["X"].active = False


SPEC = office_spec(
    services=SERVICES,
    counters=[CounterSpec(n, f"Loket {n}", codes) for n, codes in SERVED.items()],
)


def reset(desk: Desk) -> Desk:
    """The office as it was created: no tickets, no events, counters open."""
    with desk.db.engine.begin() as connection:
        for statement in (
            "DELETE FROM events", "DELETE FROM tickets", "DELETE FROM daily_numbers",
            "UPDATE sites SET last_seq = 0",
            "UPDATE counters SET state = 'open', priority_streak = 0",
        ):
            connection.execute(text(statement))
    # What the process had learnt about the old tickets no longer holds.
    desk.db.days_tidied = DaysTidied()
    return desk


START = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)  # a Tuesday morning


@dataclass
class Stored:
    """The office as committed, read in one transaction."""

    tickets: list[Ticket]
    counters: dict[int, Counter]
    last_seq: int
    snapshot: QueueSnapshot | None


@dataclass
class ModelTicket:
    id: int
    origin: str
    number: int
    day: date
    priority: bool
    queued_at: datetime
    service: str
    status: TicketStatus = TicketStatus.WAITING
    counter: int | None = None
    call_count: int = 0


Expected = tuple[EventType, int | None, int | None]  # type, ticket id, counter number


class QueueMachine(RuleBasedStateMachine):
    def __init__(self, office: Desk) -> None:
        super().__init__()
        self.office = office
        with office.db.reading() as unit:
            site = unit.site(SPEC.code)
            assert site is not None
            self.site_id = site.id
            self.service_code = {s.id: s.code for s in unit.services(site.id)}
            self.first_number = {s.id: s.first_number for s in unit.services(site.id)}
            self.counter_number = {c.id: c.number for c in unit.counters(site.id)}
        self.now = START.astimezone(UTC)
        self.tickets: dict[int, ModelTicket] = {}
        self.issued: dict[tuple[str, date], int] = {}
        self.counter_state = dict.fromkeys(SERVED, CounterState.OPEN)
        self.streak = dict.fromkeys(SERVED, 0)
        self.expected: list[Expected] = []
        self.events: list[Event] = []
        self.stored: Stored | None = None
        self.last_snapshot: tuple[int, date] | None = None

    def look(self) -> Stored:
        """What is committed now; read again only after a command changed something."""
        if self.stored is None:
            moment = (len(self.events), self.today)
            with self.office.db.reading() as unit:
                site = unit.site_by_id(self.site_id)
                shot = None
                if moment != self.last_snapshot:
                    # Nothing changed since the last look: the same answer.
                    self.last_snapshot = moment
                    shot = views.snapshot(unit, site, self.now)
                self.stored = Stored(
                    tickets=unit.tickets_of_site(site.id),
                    counters={c.number: c for c in unit.counters(site.id)},
                    last_seq=site.last_seq,
                    snapshot=shot,
                )
        return self.stored

    # -- the model ---------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.now.astimezone(ZONE).date()

    def model_expire(self) -> None:
        for ticket in sorted(self.tickets.values(), key=lambda t: t.id):
            if ticket.day < self.today and ticket.status in OPEN_STATUSES:
                ticket.status = TicketStatus.EXPIRED
                self.expected.append((EventType.EXPIRED, ticket.id, None))

    def holder(self, counter: int) -> ModelTicket | None:
        held = [
            t for t in self.tickets.values()
            if t.counter == counter and t.status in (TicketStatus.CALLED, TicketStatus.SERVING)
        ]
        assert len(held) <= 1
        return held[0] if held else None

    def model_release(self, counter: int) -> None:
        current = self.holder(counter)
        if current is not None:
            current.status = TicketStatus.DONE
            self.expected.append((EventType.FINISHED, current.id, counter))

    def model_call(self, ticket: ModelTicket, counter: int) -> None:
        ticket.status = TicketStatus.CALLED
        ticket.counter = counter
        ticket.call_count += 1
        self.expected.append((EventType.CALLED, ticket.id, counter))

    def model_choice(self, counter: int) -> ModelTicket | None:
        """The policy stated plainly: who should this counter call now?"""
        rank = {code: place for place, code in enumerate(SERVED[counter])}
        eligible = [
            t for t in self.tickets.values()
            if t.status == TicketStatus.WAITING and t.day == self.today and t.service in rank
        ]
        priority = [t for t in eligible if t.priority]
        normal = [t for t in eligible if not t.priority]
        if priority and normal and self.streak[counter] >= MAX_IN_ROW:
            event("policy: fairness turn for a normal ticket")
            pool = normal
        else:
            pool = priority or normal
        if not pool:
            return None
        choice = min(pool, key=lambda t: (t.queued_at, rank[t.service], t.id))
        if any(t.queued_at == choice.queued_at and t.service != choice.service for t in pool):
            event("policy: preference broke a tie")
        return choice

    def issue_refusal(self, code: str) -> str | None:
        if code == "X":
            return "service_inactive"
        local = self.now.astimezone(ZONE).time()
        if local >= SITE_CLOSES:
            return "after_closing"
        if code == "D":
            if local < time(8):
                return "before_opening"
            if local >= time(15):
                return "after_closing"
            if local >= time(14, 30):
                return "after_cutoff"
        spec = next(s for s in SERVICES if s.code == code)
        count = self.issued.get((code, self.today), 0) + 1
        if (spec.daily_quota is not None and count > spec.daily_quota) or (
            spec.first_number + count - 1 > engine.MAX_NUMBER
        ):
            return "quota_reached"
        return None

    # -- running a command and checking its events -------------------------------

    def run(self, refusal: str | None, work: Work[object]) -> object:
        """Run one engine command; it must refuse exactly when the model says so."""
        try:
            result = self.office.run(work)
        except QueueError as error:
            event(f"refused: {error.code}")
            assert refusal == error.code, f"refused with {error.code}, expected {refusal}"
            self.stored = None
            assert self.look().last_seq == len(self.events), "a refusal appended events"
            self.expected.clear()
            return None
        assert refusal is None, f"expected refusal {refusal}, the engine went ahead"
        self.stored = None
        appended = self.office.read(
            lambda unit, site: unit.events_since(site.id, len(self.events), limit=1000)
        )
        self.events.extend(appended)
        got = [(e.type, e.ticket_id, e.counter) for e in appended]
        if isinstance(result, Ticket) and got and got[-1][0] == EventType.ISSUED:
            # The new ticket's id is only known once it exists.
            self.expected[-1] = (EventType.ISSUED, result.id, None)
        assert got == self.expected, f"events {got}, expected {self.expected}"
        for change in appended:
            event(f"event: {change.type.value}")
            assert change.at == self.now
            if change.ticket_id in self.tickets:
                model = self.tickets[change.ticket_id]
                assert change.ticket is not None and change.ticket.status == model.status
            if change.type in (EventType.CALLED, EventType.RECALLED):
                # Nobody is ever called for a ticket of an earlier day.
                assert self.tickets[change.ticket_id or 0].day == self.today
        self.expected.clear()
        return result

    def pick(self, data: st.DataObject, *statuses: TicketStatus) -> ModelTicket:
        """Mostly a ticket the command suits, sometimes any ticket at all."""
        suitable = [t for t in self.tickets.values() if t.status in statuses]
        anything = data.draw(st.integers(min_value=0, max_value=4)) == 0
        pool = suitable if suitable and not anything else list(self.tickets.values())
        return data.draw(st.sampled_from(sorted(pool, key=lambda t: t.id)))

    # -- rules -------------------------------------------------------------------

    @initialize(
        arrivals=st.lists(
            st.tuples(st.sampled_from(ISSUE_CODES), st.sampled_from(PRIORITIES)),
            min_size=3, max_size=10,
        )
    )
    def morning_crowd(self, arrivals: list[tuple[str, Priority]]) -> None:
        """The doors open on a room of people who came early."""
        for code, priority in arrivals:
            self.issue(code, priority)

    @rule(
        arrivals=st.lists(
            st.tuples(st.sampled_from(ISSUE_CODES), st.sampled_from(PRIORITIES)),
            min_size=1, max_size=3,
        )
    )
    def arrive(self, arrivals: list[tuple[str, Priority]]) -> None:
        """Up to three citizens take a number in the same instant."""
        for code, priority in arrivals:
            self.issue(code, priority)

    def issue(self, code: str, priority: Priority) -> None:
        refusal = self.issue_refusal(code)
        if refusal is None:
            self.model_expire()
            self.expected.append((EventType.ISSUED, None, None))
        now = self.now
        ticket = self.run(refusal, lambda repo, site: engine.issue_ticket(
            repo, site, code, now, engine.SYSTEM, priority))
        if ticket is None:
            return
        assert isinstance(ticket, Ticket)
        assert ticket.status == TicketStatus.WAITING
        key = (code, self.today)
        self.issued[key] = self.issued.get(key, 0) + 1
        first = next(s.first_number for s in SERVICES if s.code == code)
        self.tickets[ticket.id] = ModelTicket(
            id=ticket.id, origin=code, number=first + self.issued[key] - 1, day=self.today,
            priority=priority.is_priority, queued_at=self.now, service=code,
        )
        assert ticket.code == f"{code}{self.tickets[ticket.id].number:03d}"

    @rule(counter=st.sampled_from(sorted(SERVED)), presses=st.integers(min_value=1, max_value=4))
    def press_next(self, counter: int, presses: int) -> None:
        """An officer presses NEXT a few times in a row (serving quickly, or skipping)."""
        for _ in range(presses):
            self.call_next(counter)

    def call_next(self, counter: int) -> None:
        refusal = None
        choice = None
        if self.counter_state[counter] != CounterState.OPEN:
            refusal = "counter_not_open"
        else:
            self.model_expire()
            self.model_release(counter)
            choice = self.model_choice(counter)
            if choice is not None:
                self.model_call(choice, counter)
                self.streak[counter] = self.streak[counter] + 1 if choice.priority else 0
        now = self.now
        called = self.run(refusal, lambda repo, site: engine.call_next(repo, site, counter, now))
        if refusal is None:
            assert (called.id if isinstance(called, Ticket) else None) == (
                choice.id if choice else None
            ), "call_next skipped the ticket the policy orders first"
            assert self.look().counters[counter].priority_streak == self.streak[counter]

    @precondition(lambda self: self.tickets)
    @rule(data=st.data(), counter=st.sampled_from(sorted(SERVED)))
    def call_ticket(self, data: st.DataObject, counter: int) -> None:
        ticket = self.pick(data, TicketStatus.WAITING)
        refusal = None
        if self.counter_state[counter] != CounterState.OPEN:
            refusal = "counter_not_open"
        elif ticket.status != TicketStatus.WAITING:
            refusal = "invalid_transition"
        elif ticket.day != self.today:
            refusal = "ticket_not_today"
        else:
            self.model_expire()
            self.model_release(counter)
            self.model_call(ticket, counter)
        now, ticket_id = self.now, ticket.id
        self.run(
            refusal, lambda repo, site: engine.call_ticket(repo, site, ticket_id, counter, now)
        )

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def recall(self, data: st.DataObject) -> None:
        ticket = self.pick(data, TicketStatus.CALLED)
        refusal = None
        if ticket.status != TicketStatus.CALLED:
            refusal = "invalid_transition"
        elif ticket.day != self.today:
            refusal = "ticket_not_today"
        else:
            ticket.call_count += 1
            self.expected.append((EventType.RECALLED, ticket.id, ticket.counter))
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.recall(repo, ticket_id, now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        ticket = self.pick(data, TicketStatus.CALLED)
        refusal = None
        if ticket.status != TicketStatus.CALLED:
            refusal = "invalid_transition"
        else:
            ticket.status = TicketStatus.SERVING
            self.expected.append((EventType.STARTED, ticket.id, ticket.counter))
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.start(repo, ticket_id, now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        ticket = self.pick(data, TicketStatus.CALLED, TicketStatus.SERVING)
        refusal = None
        if ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
            refusal = "invalid_transition"
        else:
            ticket.status = TicketStatus.DONE
            self.expected.append((EventType.FINISHED, ticket.id, ticket.counter))
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.finish(repo, ticket_id, now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data(), back_at_once=st.booleans())
    def no_show(self, data: st.DataObject, back_at_once: bool) -> None:
        ticket = self.pick(data, TicketStatus.CALLED)
        refusal = None
        if ticket.status != TicketStatus.CALLED:
            refusal = "invalid_transition"
        else:
            ticket.status = TicketStatus.NO_SHOW
            self.expected.append((EventType.NO_SHOW, ticket.id, ticket.counter))
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.no_show(repo, ticket_id, now))
        if back_at_once:
            self.come_back(ticket)

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def requeue(self, data: st.DataObject) -> None:
        self.come_back(self.pick(data, TicketStatus.NO_SHOW))

    def come_back(self, ticket: ModelTicket) -> None:
        refusal = None
        if ticket.status != TicketStatus.NO_SHOW:
            refusal = "invalid_transition"
        elif ticket.day != self.today:
            refusal = "ticket_not_today"
        else:
            self.expected.append((EventType.REQUEUED, ticket.id, ticket.counter))
            ticket.status = TicketStatus.WAITING
            ticket.counter = None
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.requeue(repo, ticket_id, now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data(), to=st.sampled_from(SERVICE_CODES))
    def transfer(self, data: st.DataObject, to: str) -> None:
        ticket = self.pick(data, TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
        refusal = None
        if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING):
            refusal = "invalid_transition"
        elif ticket.day != self.today:
            refusal = "ticket_not_today"
        elif to == "X":
            refusal = "service_inactive"
        elif to == ticket.service:
            refusal = "same_service"
        else:
            self.expected.append((EventType.TRANSFERRED, ticket.id, ticket.counter))
            ticket.status = TicketStatus.WAITING
            ticket.service = to
            ticket.counter = None
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.transfer(repo, ticket_id, to, now))

    @precondition(lambda self: self.tickets)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ticket = self.pick(data, *OPEN_STATUSES)
        refusal = None
        if ticket.status not in OPEN_STATUSES:
            refusal = "invalid_transition"
        else:
            ticket.status = TicketStatus.CANCELLED
            self.expected.append((EventType.CANCELLED, ticket.id, ticket.counter))
        now, ticket_id = self.now, ticket.id
        self.run(refusal, lambda repo, site: engine.cancel(repo, ticket_id, now))

    @rule(counter=st.sampled_from(sorted(SERVED)), state=st.sampled_from(COUNTER_STATES))
    def set_counter_state(self, counter: int, state: CounterState) -> None:
        if self.counter_state[counter] != state:
            self.counter_state[counter] = state
            self.expected.append((EventType.COUNTER_CHANGED, None, counter))
        now = self.now
        self.run(None, lambda repo, site: engine.set_counter_state(repo, site, counter, state, now))

    @rule(minutes=st.integers(min_value=0, max_value=90))
    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.stored = None

    @rule(edge=st.sampled_from(["23:59", "23:59:59.5", "midnight", "08:00"]))
    def jump(self, edge: str) -> None:
        local = self.now.astimezone(ZONE)
        if edge == "midnight":
            target = datetime.combine(local.date() + timedelta(days=1), time(0), ZONE)
        elif edge == "08:00":
            day = local.date() if local.time() < time(8) else local.date() + timedelta(days=1)
            target = datetime.combine(day, time(8), ZONE)
        else:
            target = datetime.combine(local.date(), time.fromisoformat(edge), ZONE)
        self.now = max(self.now, target.astimezone(UTC))
        self.stored = None

    # -- invariants --------------------------------------------------------------

    def rows(self) -> list[Ticket]:
        return self.look().tickets

    @invariant()
    def numbers_are_unique_and_consecutive(self) -> None:
        numbers: dict[tuple[int, date], list[int]] = {}
        codes: set[tuple[int, date, str]] = set()
        for ticket in self.rows():
            key = (ticket.origin_service_id, ticket.local_day)
            numbers.setdefault(key, []).append(ticket.number)
            assert (*key, ticket.code) not in codes, f"{ticket.code} issued twice"
            codes.add((*key, ticket.code))
        for (service_id, _), issued in numbers.items():
            first = self.first_number[service_id]
            assert issued == list(range(first, first + len(issued)))
            assert issued[-1] <= engine.MAX_NUMBER

    @invariant()
    def a_counter_holds_at_most_one_ticket(self) -> None:
        held = [t.counter_id for t in self.rows() if t.status.at_counter]
        assert len(held) == len(set(held))
        assert None not in held

    @invariant()
    def status_agrees_with_timestamps(self) -> None:
        for t in self.rows():
            stamps = [t.called_at, t.last_called_at, t.started_at, *(
                getattr(t, field) for field in STATUS_TIMESTAMPS.values()
            )]
            assert all(s is None or s >= t.issued_at for s in stamps)
            assert (t.last_called_at is None) == (t.call_count == 0)
            assert t.called_at is None or t.called_at <= (t.last_called_at or t.called_at)
            field = STATUS_TIMESTAMPS.get(t.status)
            if field is not None:
                assert getattr(t, field) is not None, f"{t.status} without {field}"
            final = {"finished_at", "cancelled_at", "expired_at"}
            for other in final - {field}:
                assert getattr(t, other) is None, f"{t.status} with {other}"
            if t.status == TicketStatus.WAITING:
                assert t.counter_id is None
            if t.status in (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.NO_SHOW):
                assert t.counter_id is not None and t.last_called_at is not None
            if t.status == TicketStatus.CALLED:
                assert t.started_at is None
            if t.status == TicketStatus.SERVING:
                assert t.started_at is not None and t.started_at >= t.last_called_at  # type: ignore[operator]
            if t.status == TicketStatus.DONE:
                assert t.last_called_at is not None and t.finished_at >= t.last_called_at  # type: ignore[operator]

    @invariant()
    def a_ticket_keeps_its_code_and_place(self) -> None:
        for t in self.rows():
            origin = self.service_code[t.origin_service_id]
            assert t.code == f"{origin}{t.number:03d}"
            assert t.queued_at == t.issued_at
            assert t.history[0]["service"] == origin
            assert t.history[-1]["service"] == self.service_code[t.service_id]

    @invariant()
    def events_are_numbered_without_gaps(self) -> None:
        seqs = [e.seq for e in self.events]
        assert seqs == list(range(1, len(seqs) + 1))
        assert self.look().last_seq == len(seqs)

    @invariant()
    def engine_matches_the_model(self) -> None:
        assert [t.id for t in self.rows()] == sorted(self.tickets)
        for ticket in self.rows():
            model = self.tickets[ticket.id]
            counter = self.counter_number[ticket.counter_id] if ticket.counter_id else None
            assert ticket.status == model.status, f"{ticket.code}: {ticket.status}"
            assert self.service_code[ticket.service_id] == model.service
            assert self.service_code[ticket.origin_service_id] == model.origin
            assert (ticket.number, ticket.queued_at) == (model.number, model.queued_at)
            assert counter == model.counter
            assert ticket.call_count == model.call_count
            assert ticket.local_day == model.day
            assert ticket.priority.is_priority == model.priority
        for number, state in self.counter_state.items():
            assert self.look().counters[number].state == state

    @invariant()
    def snapshot_counts_the_waiting(self) -> None:
        shot = self.look().snapshot
        if shot is None:
            return  # nothing changed since the last look: the same answer
        waiting = [
            t for t in self.tickets.values()
            if t.status == TicketStatus.WAITING and t.day == self.today
        ]
        assert len(shot.waiting) == len(waiting)
        per_service = {s.code: s.waiting for s in shot.services}
        for code in SERVICE_CODES:
            assert per_service[code] == sum(1 for t in waiting if t.service == code)
        for view in shot.counters:
            holder = self.holder(view.number)
            if holder is not None and holder.day != self.today:
                holder = None  # left from an earlier day: about to expire, not shown
            assert (view.current.id if view.current else None) == (holder.id if holder else None)
        assert shot.seq == len(self.events)


def machine_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=50,
        deadline=None,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _run_machine(url: str, examples: int) -> None:
    office = database_desk(url, SPEC, arrange)
    try:
        run_state_machine_as_test(
            lambda: QueueMachine(reset(office)), settings=machine_settings(examples)
        )
    finally:
        office.db.dispose()


def test_queue_rules_on_sqlite(sqlite_url: str) -> None:
    _run_machine(sqlite_url, examples=40)


@pytest.mark.postgres
def test_queue_rules_on_postgres(postgres_url: str) -> None:
    _run_machine(postgres_url, examples=15)


# -- both databases keep the same promises ------------------------------------------

WALK_STEPS = 300
WALK_MUST_SEE = {
    EventType.ISSUED, EventType.CALLED, EventType.FINISHED, EventType.EXPIRED,
    EventType.TRANSFERRED, EventType.CANCELLED, EventType.COUNTER_CHANGED,
}


@dataclass(frozen=True)
class Move:
    """One command of a random walk, with every value it might need."""

    kind: str
    now: datetime
    code: str
    priority: Priority
    counter: int
    state: CounterState
    ticket_id: int

    def work(self) -> Work[object]:
        now, ticket_id = self.now, self.ticket_id
        match self.kind:
            case "issue":
                return lambda r, s: engine.issue_ticket(r, s, self.code, now,
                                                        priority=self.priority)
            case "next":
                return lambda r, s: engine.call_next(r, s, self.counter, now)
            case "call":
                return lambda r, s: engine.call_ticket(r, s, ticket_id, self.counter, now)
            case "transfer":
                return lambda r, s: engine.transfer(r, ticket_id, self.code, now)
            case "counter":
                return lambda r, s: engine.set_counter_state(r, s, self.counter, self.state, now)
        step = {
            "recall": engine.recall, "start": engine.start, "finish": engine.finish,
            "no_show": engine.no_show, "requeue": engine.requeue, "cancel": engine.cancel,
        }[self.kind]
        return lambda r, s: step(r, ticket_id, now)


def _outcome(desk: Desk, work: Work[object]) -> tuple[str, object]:
    try:
        result = desk.run(work)
    except QueueError as error:
        return "refused", error.code
    if isinstance(result, Ticket):
        return "ticket", (result.code, result.status, result.local_day, result.call_count)
    return "done", None if result is None else type(result).__name__


def _state(desk: Desk) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    def describe(unit: UnitOfWork, site: Site) -> tuple[list[tuple[object, ...]], ...]:
        codes = {s.id: s.code for s in unit.services(site.id)}
        numbers = {c.id: c.number for c in unit.counters(site.id)}
        rows = sorted(
            (
                t.code, t.local_day, t.status, codes[t.service_id],
                numbers.get(t.counter_id or 0), t.call_count, t.priority, t.queued_at,
                t.called_at, t.last_called_at, t.started_at, t.finished_at, t.no_show_at,
                t.cancelled_at, t.expired_at, t.history,
            )
            for t in unit.tickets_of_site(site.id)
        )
        stream = [
            (e.seq, e.type, e.at, e.ticket, e.counter, dict(e.details))
            for e in unit.events_since(site.id, 0, limit=100_000)
        ]
        return rows, stream

    rows, stream = desk.read(describe)
    return rows, stream


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [11, 22, 33])
def test_sqlite_and_postgres_agree(seed: int, sqlite_url: str, postgres_url: str) -> None:
    """One random walk of commands on both databases gives the same queue."""
    sqlite = database_desk(sqlite_url, SPEC, arrange)
    postgres = database_desk(postgres_url, SPEC, arrange)
    desks = (sqlite, postgres)
    rng = random.Random(seed)
    now = START.astimezone(UTC)
    issued: list[tuple[int, int]] = []  # each ticket's id in SQLite and in PostgreSQL
    kinds = ["issue", "next", "call", "recall", "start", "finish", "no_show", "requeue",
             "transfer", "cancel", "counter", "clock"]
    weights = [6, 6, 1, 2, 2, 2, 2, 1, 1, 1, 1, 3]
    try:
        for step in range(WALK_STEPS):
            kind = rng.choices(kinds, weights)[0]
            if kind == "clock":
                jump = rng.random() < 0.1
                local = now.astimezone(ZONE)
                now = (
                    datetime.combine(local.date() + timedelta(days=1), time(0), ZONE)
                    if jump else now + timedelta(seconds=rng.uniform(0, 5400))
                ).astimezone(UTC)
                continue
            # Mostly recent tickets: those are the ones still open.
            pick = max(0, len(issued) - 1 - int(rng.expovariate(0.3))) if issued else None
            if kind not in ("issue", "next", "counter") and pick is None:
                continue
            move = Move(
                kind, now, rng.choice(ISSUE_CODES), rng.choice(PRIORITIES),
                rng.choice(sorted(SERVED)), rng.choice([*COUNTER_STATES, CounterState.OPEN]), 0,
            )
            outcomes = [
                _outcome(desk, replace(move, ticket_id=issued[pick][side]).work()
                         if pick is not None else move.work())
                for side, desk in enumerate(desks)
            ]
            assert outcomes[0] == outcomes[1], f"step {step} ({kind}): {outcomes}"
            if kind == "issue" and outcomes[0][0] == "ticket":
                issued.append((_last_ticket_id(sqlite), _last_ticket_id(postgres)))
        sqlite_state, postgres_state = _state(sqlite), _state(postgres)
        assert sqlite_state[0] == postgres_state[0]
        assert sqlite_state[1] == postgres_state[1]
        kinds_seen = {change[1] for change in sqlite_state[1]}
        assert kinds_seen >= WALK_MUST_SEE, f"the walk never saw {WALK_MUST_SEE - kinds_seen}"
    finally:
        sqlite.db.dispose()
        postgres.db.dispose()


def _last_ticket_id(desk: Desk) -> int:
    return max(t.id for t in desk.tickets())
