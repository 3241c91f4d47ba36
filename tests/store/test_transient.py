"""A concurrent transaction getting in the way becomes the store's TransientConflict,
told by the database's own error code, on both databases."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url

from server.engine.commands import find_site, issue_ticket
from server.store.connection import Connection, is_transient
from server.store.database import Database
from server.store.errors import TransientConflict
from server.store.migrate import upgrade
from tests.conftest import Clock, make_demo_database


def test_sqlite_still_locked_after_the_timeout_is_transient(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    upgrade(db)
    path = make_url(sqlite_url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    impatient = Connection(
        sqlite3.connect(path, timeout=0.05, isolation_level=None), db.engine.dialect
    )
    with pytest.raises(TransientConflict) as caught, impatient.writing():
        pass
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    holder.execute("ROLLBACK")
    with impatient.writing():  # free again: the same work goes through
        impatient.rollback()
    holder.close()
    impatient.driver.close()
    db.dispose()


def test_other_database_errors_are_not_transient(sqlite_url: str) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    connection.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as duplicate:
        connection.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as typo:
        connection.execute("SELEC 1")
    assert not is_transient(duplicate.value) and not is_transient(typo.value)


@pytest.mark.postgres
def test_a_postgres_deadlock_is_transient(postgres_url: str, clock: Clock) -> None:
    db = make_demo_database(postgres_url)
    with db.writing() as work:
        site = find_site(work, "demo")
        first, second = (issue_ticket(work, site, "A", clock()).id for _ in range(2))
    both_hold_one = threading.Barrier(2)

    def lock(one: int, other: int) -> str:
        try:
            with db.writing() as work:
                work.ticket(one, lock=True)
                both_hold_one.wait(10)
                work.ticket(other, lock=True)  # each waits for the other: a deadlock
            return "committed"
        except TransientConflict as conflict:
            assert getattr(conflict.__cause__, "sqlstate", None) == "40P01"
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lock, (first, second), (second, first)))
    assert sorted(outcomes) == ["committed", "conflict"]
    db.dispose()
