"""A command sent again with its request id gets its first answer and changes nothing,
even when running it again would now be refused or would do something else.

A device's command is not checked against the request log before it runs: it
runs, and its answer is kept with its commit, which fails if the first answer
is there already (one round trip less per command). These are the cases where
that could go wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from antrean.protocol import CallNextCommand, IssueTicketCommand
from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.engine.clock import local_time
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.operations import Operations
from server.store.database import Database
from tests.conftest import Clock, make_demo_database


@pytest.fixture
def office(database_url: str) -> Iterator[tuple[Database, str, str]]:
    db = make_demo_database(database_url)
    with db.writing() as work:
        kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))[1]
        keypad = add_device(work, "demo", DeviceKind.COUNTER, datetime.now(UTC), [1])[1]
    yield db, kiosk, keypad
    db.dispose()


CLOCK = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 WITA, a Tuesday


def _waiting(db: Database) -> list[str]:
    with db.reading() as work:
        site = find_site(work, "demo")
        return [t.code for t in work.waiting(site.id, local_time(site, CLOCK).date())]


def _at_counter_1(db: Database) -> str:
    with db.reading() as work:
        site = find_site(work, "demo")
        counter = next(c for c in work.counters(site.id) if c.number == 1)
        return work.at_counters(site.id, local_time(site, CLOCK).date())[counter.id].code


def test_a_repeated_ticket_comes_back_after_the_quota_filled(
    office: tuple[Database, str, str],
) -> None:
    db, kiosk, _ = office
    with db.writing() as work:
        site = find_site(work, "demo")
        service = next(s for s in work.services(site.id) if s.code == "A")
        service.daily_quota = 1
        work.save(service)
    operations = Operations(db, clock=Clock(CLOCK))
    first = operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "print-1")
    assert first.status == 201 and first.body is not None
    with pytest.raises(QueueError) as refused:
        operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "print-2")
    assert refused.value.code == "quota_reached"
    # The kiosk lost the first answer and asks again: the quota is full now, but
    # this request was answered, so it gets its ticket, not a refusal.
    again = operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "print-1")
    assert (again.status, again.body) == (first.status, first.body)


def test_a_repeated_call_next_calls_nobody_else(office: tuple[Database, str, str]) -> None:
    db, kiosk, keypad = office
    operations = Operations(db, clock=Clock(CLOCK))
    for n in range(3):
        operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), f"k-{n}")
    called = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "call-1")
    assert called.body is not None and called.body["code"] == "A001"
    again = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "call-1")
    assert (again.status, again.body) == (called.status, called.body)
    # Run again, the call would have finished A001 and called A002: it was rolled back.
    assert _waiting(db) == ["A002", "A003"]
    assert _at_counter_1(db) == "A001"


def test_an_answer_of_nobody_waiting_is_kept_like_any_other(
    office: tuple[Database, str, str],
) -> None:
    db, kiosk, keypad = office
    operations = Operations(db, clock=Clock(CLOCK))
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "k-1")
    called = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "call-1")
    assert called.body is not None and called.body["code"] == "A001"
    nobody = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "call-2")
    assert nobody.status == 204
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "k-2")
    # 204 was an answer, kept like any other: call-2 again still calls nobody.
    assert operations.execute(
        keypad, CallNextCommand(site="demo", counter=1), "call-2"
    ).status == 204
    assert _waiting(db) == ["A002"]
