"""The unit of work writes exactly what a rule changed, when the rule says so,
and never loses a change silently."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from antrean.vocabulary import TicketStatus
from server.engine.commands import find_site, issue_ticket
from server.store.database import Database
from server.store.errors import UnsavedChanges
from tests.conftest import Clock


@pytest.fixture
def statements(demo_sqlite: Database) -> Iterator[list[str]]:
    """Every statement SQLite runs for the database, with its values filled in."""
    seen: list[str] = []

    def trace(driver: sqlite3.Connection, *_: Any) -> None:
        driver.set_trace_callback(seen.append)

    event.listen(demo_sqlite.engine.pool, "checkout", trace)
    yield seen
    event.remove(demo_sqlite.engine.pool, "checkout", trace)


def test_save_writes_only_the_changed_columns(
    demo_sqlite: Database, clock: Clock, statements: list[str]
) -> None:
    with demo_sqlite.writing() as work:
        ticket = issue_ticket(work, find_site(work, "demo"), "A", clock())
    statements.clear()
    with demo_sqlite.writing() as work:
        loaded = work.ticket(ticket.id)
        assert loaded is not None
        work.save(loaded)  # nothing changed: nothing written
        loaded.cancel_reason = "Berkas tidak lengkap"
        work.save(loaded)
        work.save(loaded)  # saved already: nothing more
    updates = [s for s in statements if s.startswith("UPDATE")]
    assert updates == [
        f"UPDATE tickets SET cancel_reason='Berkas tidak lengkap' WHERE tickets.id = {ticket.id}"
    ]


def test_a_change_never_saved_fails_the_commit(demo_sqlite: Database, clock: Clock) -> None:
    with demo_sqlite.writing() as work:
        ticket = issue_ticket(work, find_site(work, "demo"), "A", clock())
    with pytest.raises(UnsavedChanges, match=r"Ticket \d+: status"), demo_sqlite.writing() as work:
        loaded = work.ticket(ticket.id)
        assert loaded is not None
        loaded.status = TicketStatus.CANCELLED
    with demo_sqlite.reading() as work:
        stored = work.ticket(ticket.id)
        assert stored is not None and stored.status is TicketStatus.WAITING


def test_one_object_per_row_and_no_read_over_unsaved_changes(
    demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.writing() as work:
        site = find_site(work, "demo")
        ticket = issue_ticket(work, site, "A", clock())
        assert work.ticket(ticket.id) is ticket
        assert work.waiting(site.id, clock().date()) == [ticket]
        counter = work.counters(site.id)[0]
        assert work.counter(counter.id) is counter
        ticket.status = TicketStatus.CANCELLED
        # A read would overwrite the change, or hand out a row that disagrees with it.
        with pytest.raises(UnsavedChanges, match="read again with unsaved changes"):
            work.ticket(ticket.id)
        work.save(ticket)
        assert work.ticket(ticket.id) is ticket
        assert work.waiting(site.id, clock().date()) == []


def test_only_objects_of_this_unit_of_work_are_saved(demo_sqlite: Database) -> None:
    with demo_sqlite.reading() as work:
        site = find_site(work, "demo")
    with demo_sqlite.writing() as work:
        site.name = "Kantor Lain"
        with pytest.raises(ValueError, match="not loaded in this unit of work"):
            work.save(site)
    with demo_sqlite.reading() as work:
        assert find_site(work, "demo").name == "Kantor Kecamatan Demo"
