"""A snapshot with the deltas applied agrees with a fresh snapshot, whatever happened."""

from __future__ import annotations

import random

import pytest

from antrean.deltas import RECENT_CALLS, apply_event
from antrean.protocol import (
    CallNextCommand,
    Command,
    CounterStateCommand,
    EventView,
    IssueTicketCommand,
    QueueSnapshot,
    TicketCommand,
    TransferCommand,
)
from antrean.vocabulary import CounterState, Priority, Role, TicketStatus
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.engine.views import snapshot
from server.operations import Operations
from server.permissions import Caller
from server.store.database import Database
from tests.conftest import Clock

ADMIN = Caller(label="user:1", site_id=None, role=Role.ADMIN, user_id=1)


class Recorder:
    def __init__(self) -> None:
        self.events: list[EventView] = []

    def publish(self, events: list[EventView]) -> None:
        self.events.extend(events)


def read(db: Database, clock: Clock) -> QueueSnapshot:
    with db.reading() as work:
        return snapshot(work, find_site(work, "demo"), clock())


def some_command(rng: random.Random, current: QueueSnapshot) -> Command:
    tickets = current.waiting + [c.current for c in current.counters if c.current]
    roll = rng.random()
    if roll < 0.35 or not tickets:
        return IssueTicketCommand(
            site="demo", service=rng.choice("ABCDE"),
            priority=rng.choice([Priority.NONE] * 4 + [Priority.ELDERLY]),
        )
    if roll < 0.6:
        return CallNextCommand(site="demo", counter=rng.randint(1, 4))
    if roll < 0.65:
        state = rng.choice([CounterState.OPEN, CounterState.PAUSED])
        return CounterStateCommand(site="demo", counter=rng.randint(1, 4), state=state)
    ticket = rng.choice(tickets)
    if roll < 0.7:
        return TransferCommand(ticket_id=ticket.id, service=rng.choice("ABCDE"))
    if roll < 0.73 and ticket.status is TicketStatus.NO_SHOW:
        return TicketCommand(type="requeue", ticket_id=ticket.id)
    step = rng.choice(["recall", "start", "finish", "no_show", "cancel", "requeue"])
    return TicketCommand(type=step, ticket_id=ticket.id)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [1, 2])
def test_applied_deltas_agree_with_the_server(
    demo_sqlite: Database, clock: Clock, seed: int
) -> None:
    rng = random.Random(seed)
    recorder = Recorder()
    operations = Operations(demo_sqlite, recorder, clock)
    device_view = read(demo_sqlite, clock)
    refused = 0
    for _ in range(100):
        clock.advance(seconds=rng.randint(5, 90))
        try:
            operations.execute(ADMIN, some_command(rng, device_view))
        except QueueError:
            refused += 1
        for event in recorder.events:
            device_view = apply_event(device_view, event)
        recorder.events.clear()
        server_view = read(demo_sqlite, clock)
        assert device_view.seq == server_view.seq
        assert [t.id for t in device_view.waiting] == [t.id for t in server_view.waiting]
        assert device_view.waiting == server_view.waiting
        assert device_view.counters == server_view.counters
        assert [(s.code, s.waiting, s.issued_today) for s in device_view.services] == [
            (s.code, s.waiting, s.issued_today) for s in server_view.services
        ]
        # A device learns calls only from deltas: when a ticket leaves its counter
        # (requeued, transferred) it cannot refill its list from older calls as the
        # server does, so it may show fewer; what it shows, the server shows too.
        kept = len(device_view.recent_calls)
        assert server_view.recent_calls[:kept] == device_view.recent_calls
        assert kept == len(server_view.recent_calls) or kept < RECENT_CALLS
    assert device_view.seq > 50 and refused < 70
