"""Races on real databases: counters pressing NEXT together, kiosks issuing
together, a request retried while its first try is still running.

Each racer has its own Database (threads), or its own process (spawn), as
separate server workers would. On SQLite, writers queue at BEGIN IMMEDIATE;
on PostgreSQL the row locks the unit of work takes keep them apart. What was
stored is read back through SQLAlchemy's ORM, independently of the store.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain
from typing import Any

import pytest
from sqlmodel import Session, col, select

from antrean.protocol import CallNextCommand, IssueTicketCommand
from antrean.vocabulary import EventType, Role, TicketStatus
from server.operations import _HANDLERS, Operations, Outcome
from server.permissions import Caller
from server.store.database import Database
from server.store.errors import TransientConflict
from server.store.models import DailyNumber, Event, RequestRecord, Site, Ticket
from server.store.unit_of_work import UnitOfWork
from tests.store import _race
from tests.store._race import (
    Flag,
    Job,
    call_until_empty,
    issue_once,
    issue_tickets,
    make_office,
    run_in_processes,
    run_in_threads,
)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _issue_upfront(db: Database, count: int) -> None:
    operations = Operations(db, clock=_race.fixed_clock)
    for _ in range(count):
        assert _race.issue(operations, _race.kiosk(9)).status == 201


def _tickets(db: Database) -> list[Ticket]:
    with Session(db.engine, expire_on_commit=False) as session:
        return list(session.exec(select(Ticket).order_by(col(Ticket.id))))


def _events(db: Database) -> list[Event]:
    with Session(db.engine, expire_on_commit=False) as session:
        return list(session.exec(select(Event).order_by(col(Event.seq))))


def assert_seq_unbroken(db: Database) -> None:
    """Every event numbered 1..last_seq: no gap, no number twice."""
    with Session(db.engine) as session:
        last_seq = session.exec(select(Site.last_seq).where(Site.code == _race.SITE)).one()
    seqs = [event.seq for event in _events(db)]
    assert seqs == list(range(1, last_seq + 1))


def assert_each_called_once(db: Database, calls_per_counter: list[list[int]]) -> None:
    tickets = _tickets(db)
    every_call = list(chain.from_iterable(calls_per_counter))
    # No two counters, and no two presses, got the same citizen...
    assert len(every_call) == len(set(every_call))
    # ...and nobody was skipped: every ticket issued was called.
    assert sorted(every_call) == [t.id for t in tickets]
    # NEXT finishes the counter's ticket first, also the last press that found nobody.
    assert {t.status for t in tickets} == {TicketStatus.DONE}
    events = _events(db)
    for kind in (EventType.CALLED, EventType.FINISHED):
        per_ticket = Tally(e.ticket_id for e in events if e.type == kind)
        assert per_ticket == dict.fromkeys((t.id for t in tickets), 1)
    assert_seq_unbroken(db)


def assert_numbered_in_order(db: Database, issued: int) -> None:
    """Codes unique and numbers 1..issued with no hole, for the one service and day."""
    tickets = _tickets(db)
    assert sorted(t.number for t in tickets) == list(range(1, issued + 1))
    assert len({(t.origin_service_id, t.local_day, t.code) for t in tickets}) == issued
    with Session(db.engine) as session:
        assert session.exec(select(DailyNumber.last_number)).all() == [issued]
    issued_events = [e for e in _events(db) if e.type == EventType.ISSUED]
    assert len(issued_events) == issued
    assert_seq_unbroken(db)


# --- call-next ----------------------------------------------------------------


def _counters_calling_while_a_kiosk_issues(
    db: Database, counters: int, while_calling: int
) -> Callable[[Flag], list[Job]]:
    """Every counter presses NEXT until nobody waits and the kiosk is done issuing."""

    def plan(issuing_done: Flag) -> list[Job]:
        calling: list[Job] = [
            (call_until_empty, (db.url, n, issuing_done)) for n in range(1, counters + 1)
        ]
        return [*calling, (issue_tickets, (db.url, 1, while_calling, issuing_done))]

    return plan


def test_counters_in_threads_call_each_citizen_exactly_once(db: Database) -> None:
    counters, upfront, while_calling = 8, 40, 24
    make_office(db.url, counters)
    _issue_upfront(db, upfront)
    plan = _counters_calling_while_a_kiosk_issues(db, counters, while_calling)
    *calls, issued = run_in_threads(plan)
    assert len(issued) == while_calling and all(code.startswith("A") for code in issued)
    assert sum(len(c) for c in calls) == upfront + while_calling
    assert_each_called_once(db, calls)


def test_counters_in_processes_call_each_citizen_exactly_once(db: Database) -> None:
    counters, upfront, while_calling = 3, 30, 15
    make_office(db.url, counters)
    _issue_upfront(db, upfront)
    plan = _counters_calling_while_a_kiosk_issues(db, counters, while_calling)
    *calls, issued = run_in_processes(plan)
    assert len(issued) == while_calling
    assert sum(len(c) for c in calls) == upfront + while_calling
    assert_each_called_once(db, calls)


def test_two_keypads_on_one_counter_never_call_two_citizens_to_it(db: Database) -> None:
    presses = 10
    make_office(db.url, counters=1)
    _issue_upfront(db, 3 * presses)

    def press_next(counter: int) -> list[int]:
        operations = Operations(Database(db.url, pool_size=1), clock=_race.fixed_clock)
        called = []
        for _ in range(presses):
            outcome = operations.execute(
                _race.officer(counter), CallNextCommand(site=_race.SITE, counter=counter)
            )
            assert outcome.status == 200 and outcome.body is not None
            called.append(int(outcome.body["id"]))
        operations.db.dispose()
        return called

    calls = run_in_threads(lambda _: [(press_next, (1,)), (press_next, (1,))])
    every_call = list(chain.from_iterable(calls))
    assert len(set(every_call)) == 2 * presses
    statuses = Tally(t.status for t in _tickets(db))
    # Each press finished the one before it, whichever keypad pressed.
    assert statuses == {
        TicketStatus.DONE: 2 * presses - 1,
        TicketStatus.CALLED: 1,
        TicketStatus.WAITING: presses,
    }
    assert_seq_unbroken(db)


# --- issuing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "quota", "kiosks", "attempts"),
    [(run_in_threads, 20, 6, 5), (run_in_processes, 12, 3, 6)],
    ids=["threads", "processes"],
)
def test_kiosks_never_share_a_number_nor_pass_the_quota(
    db: Database,
    run: Callable[[Callable[[Flag], list[Job]]], list[Any]],
    quota: int,
    kiosks: int,
    attempts: int,
) -> None:
    make_office(db.url, counters=2, quota=quota)

    answers = run(
        lambda _: [(issue_tickets, (db.url, k, attempts)) for k in range(1, kiosks + 1)]
    )
    every_answer = list(chain.from_iterable(answers))
    codes = [a for a in every_answer if a.startswith("A")]
    assert sorted(codes) == [f"A{n:03d}" for n in range(1, quota + 1)]
    assert Tally(every_answer) - Tally(codes) == {"quota_reached": kiosks * attempts - quota}
    assert_numbered_in_order(db, quota)


# --- exactly once -------------------------------------------------------------


def test_one_request_sent_from_many_threads_issues_one_ticket(db: Database) -> None:
    senders, rounds = 8, 3
    make_office(db.url, counters=2)

    def sent_by_all(request_id: str) -> Callable[[Flag], list[Job]]:
        return lambda _: [(issue_once, (db.url, request_id))] * senders

    for round_number in range(1, rounds + 1):
        answers = run_in_threads(sent_by_all(f"kiosk-1-{round_number:04d}"))
        status, body = answers[0]
        assert status == 201 and body is not None
        assert body["ticket"]["code"] == f"A{round_number:03d}"
        assert answers == [(status, body)] * senders
    tickets = _tickets(db)
    assert [t.code for t in tickets] == [f"A{n:03d}" for n in range(1, rounds + 1)]
    with Session(db.engine) as session:
        request_ids = session.exec(select(RequestRecord.request_id)).all()
    assert sorted(request_ids) == [f"kiosk-1-{n:04d}" for n in range(1, rounds + 1)]
    assert_seq_unbroken(db)


# --- transient failures ---------------------------------------------------------


def test_a_deadlocked_command_is_run_again(demo_db: Database) -> None:
    """A transaction the database aborted as a deadlock loses nothing: it runs again."""
    operations = Operations(demo_db)
    caller = Caller("user:1", None, role=Role.ADMIN, user_id=1)
    issue = _HANDLERS[IssueTicketCommand]
    attempts = 0

    def work(unit: UnitOfWork, now: datetime) -> Outcome:
        nonlocal attempts
        attempts += 1
        outcome = issue(unit, now, caller, IssueTicketCommand(site="demo", service="A"))
        if attempts == 1:
            raise TransientConflict("deadlock detected")
        return outcome

    outcome = operations.run(caller, "retry-1", work)
    assert attempts == 2
    assert outcome.body is not None
    assert outcome.body["ticket"]["code"] == "A001", "the first attempt was rolled back whole"
    replay = operations.run(caller, "retry-1", work)
    assert (replay, attempts) == (outcome, 2)
