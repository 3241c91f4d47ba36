"""What a kiosk's ticket and a keypad's call cost the database, statement by statement.

A city's server spends most of a command's CPU in the driver, a fixed price per
statement (docs/performance.md#city); these counts keep the price from
creeping back up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from antrean.protocol import CallNextCommand, IssueTicketCommand
from antrean.vocabulary import DeviceKind
from server.admin import add_device
from server.engine.commands import find_site
from server.engine.views import snapshot
from server.operations import Operations
from server.store.compiled import Statement
from server.store.connection import Connection
from server.store.database import Database
from tests.conftest import Clock, make_demo_database


@pytest.fixture
def demo_postgres(postgres_url: str) -> Iterator[Database]:
    db = make_demo_database(postgres_url)
    yield db
    db.dispose()


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the statements the store runs from now on."""
    names: list[str] = []
    for method in ("row", "rows", "run"):
        original = getattr(Connection, method)

        def counting(
            self: Connection, statement: Statement, params: Any, _o: Any = original
        ) -> Any:
            names.append(statement.name)
            return _o(self, statement, params)

        monkeypatch.setattr(Connection, method, counting)
    return names


def test_a_ticket_and_a_call_on_postgresql(
    demo_postgres: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_postgres.writing() as work:
        kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))[1]
        keypad = add_device(work, "demo", DeviceKind.COUNTER, datetime.now(UTC), [1])[1]
    operations = Operations(demo_postgres, clock=clock)
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "warm-up")
    names = _counted(monkeypatch)

    issued = operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"), "k-1")
    assert issued.status == 201
    issue = list(names)
    names.clear()
    called = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "c-1")
    assert called.status == 200
    assert called.body is not None and called.body["code"] == "A001"
    call = list(names)
    names.clear()
    called = operations.execute(keypad, CallNextCommand(site="demo", counter=1), "c-2")
    assert called.body is not None and called.body["code"] == "A002"
    finish_and_call = list(names)

    # Each event numbered and stored in one statement; the office's services read once.
    assert issue.count("append_event") == 1
    # The quota is checked on the number taken, not read before.
    assert issue.count("allocate_number") == 1 and "last_numbers" not in issue
    assert finish_and_call.count("append_event") == 2  # finished, called
    for statements in (issue, call, finish_and_call):
        assert "next_seq" not in statements
        assert "service_by_id" not in statements
        assert statements.count("services_of_site") <= 1
        # Earlier days were tidied by the warm-up's transaction: not looked at again.
        assert "unfinished" not in statements
        # The device's office came with the device.
        assert statements[0] == "device_and_site_by_hash"
        assert "site_by_code" not in statements
        # The request id is not looked up first: its answer is kept with the commit.
        assert "claim_request" not in statements
    # What is left is one statement per need.
    assert len(issue) <= 10, issue
    assert len(finish_and_call) <= 11, finish_and_call


def test_the_next_day_is_tidied_again(
    demo_postgres: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipping the look at earlier days holds for one day only: a ticket left
    waiting overnight is closed by the next morning's first command."""
    with demo_postgres.writing() as work:
        kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))[1]
    operations = Operations(demo_postgres, clock=clock)
    left = operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"))
    assert left.body is not None
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="B"))
    names = _counted(monkeypatch)
    clock.advance(days=1)
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"))
    assert names.count("unfinished") == 1
    with demo_postgres.reading() as work:
        ticket = work.ticket(left.body["ticket"]["id"])
    assert ticket is not None and ticket.status.value == "expired"
    names.clear()
    operations.execute(kiosk, IssueTicketCommand(site="demo", service="A"))
    assert "unfinished" not in names


def test_a_snapshot_reads_the_office_once_per_kind_of_fact(
    demo_postgres: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What every socket of an office gets on connecting and at each refresh: one read
    per kind of fact, however many services the office has."""
    with demo_postgres.writing() as work:
        kiosk = add_device(work, "demo", DeviceKind.KIOSK, datetime.now(UTC))[1]
    operations = Operations(demo_postgres, clock=clock)
    for service in ("A", "B", "C", "A"):
        operations.execute(kiosk, IssueTicketCommand(site="demo", service=service))
    names = _counted(monkeypatch)
    with demo_postgres.reading() as work:
        site = find_site(work, "demo")
        names.clear()
        shot = snapshot(work, site, clock.now)
    issued = {s.code: s.issued_today for s in shot.services}
    assert issued["A"] == 2 and issued["B"] == 1 and issued["C"] == 1 and issued["D"] == 0
    assert all(s.estimated_wait_minutes is not None for s in shot.services if s.accepting)
    assert len(shot.services) >= 5
    assert len(names) == len(set(names)), names  # nothing read twice
    assert len(names) <= 7, names
