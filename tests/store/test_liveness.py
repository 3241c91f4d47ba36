"""Pooled PostgreSQL connections are checked only when they may have gone away,
and a server that cut them costs at most the transaction that found out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import psycopg
import pytest
from sqlalchemy.engine import make_url

from server.store.database import Database
from server.store.errors import DatabaseUnavailable
from server.store.migrate import upgrade


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    upgrade(db)
    assert db.liveness is not None
    db.liveness.checks = 0  # the migration's own
    yield db
    db.dispose()


def _cut_every_connection(url: str) -> int:
    """What a restart of the server or a dropped network does to the pool."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (parsed.database,),
        ).fetchall()
    return len(rows)


def _read(db: Database) -> None:
    with db.reading() as work:
        assert work.site("nowhere") is None


def test_a_connection_given_back_a_moment_ago_is_used_unchecked(database: Database) -> None:
    assert database.liveness is not None
    for _ in range(20):
        _read(database)
    with database.writing() as work:
        work.site("nowhere")
    assert database.liveness.checks == 0


def test_a_rested_connection_is_checked_and_replaced_if_cut(database: Database) -> None:
    assert database.liveness is not None
    _read(database)
    database.liveness.idle_seconds = 0.0  # every connection has rested long enough
    _read(database)
    assert database.liveness.checks == 1
    assert _cut_every_connection(database.url) >= 1
    _read(database)  # checked, found cut, replaced: nobody sees the cut
    assert database.liveness.checks == 3  # the cut one, then its fresh replacement


def test_one_broken_connection_gets_the_others_checked(database: Database) -> None:
    """A busy pool's connections are not checked; when the server cuts them all,
    the transaction that finds out fails, and no other does."""
    assert database.liveness is not None
    database.liveness.idle_seconds = 3600.0
    with ExitStack() as held:  # three connections in the pool
        for _ in range(3):
            held.enter_context(database.reading())
    assert _cut_every_connection(database.url) == 3
    with pytest.raises(DatabaseUnavailable):
        _read(database)
    checks = database.liveness.checks
    with ExitStack() as held:  # all three again: the two left in the pool are cut too
        readings = [held.enter_context(database.reading()) for _ in range(3)]
        for work in readings:
            assert work.site("nowhere") is None
    # They were checked and replaced before use; the one that failed was replaced already.
    assert database.liveness.checks == checks + 2
    assert _cut_every_connection(database.url) == 3  # the three, alive; none more
