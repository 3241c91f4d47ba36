"""Connecting to SQLite or PostgreSQL, and the write transaction.

SQLite runs in WAL mode with `synchronous=FULL`, so a ticket the kiosk has
printed survives a power cut; every write transaction starts with
`BEGIN IMMEDIATE` so two writers queue at the door instead of failing halfway.
PostgreSQL uses row locks taken by the unit of work's statements. Every
transaction is a `UnitOfWork` on one pooled driver connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from server.store.connection import Connection, translated_errors
from server.store.liveness import Liveness
from server.store.unit_of_work import DaysTidied, UnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 30_000


def backend_of(url: str) -> str:
    """`sqlite` or `postgresql`, from a database URL, without connecting."""
    return str(make_url(url).get_backend_name())


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = backend_of(url)
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
            )
            event.listen(self.engine, "connect", _prepare_sqlite)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
        self.liveness = None if self.is_sqlite else Liveness(self.engine)
        self.days_tidied = DaysTidied()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def file(self) -> Path | None:
        """The SQLite database's file; None for a server database or one in memory."""
        name = make_url(self.url).database if self.is_sqlite else None
        return Path(name) if name and name != ":memory:" else None

    @contextmanager
    def writing(self) -> Iterator[UnitOfWork]:
        """One write transaction: commit on success, roll back on any error.

        SQLite takes its write lock at once (`BEGIN IMMEDIATE`); PostgreSQL
        takes row locks as the statements need them.
        """
        with self._connection() as connection, connection.writing():
            work = UnitOfWork(connection, writable=True, days_tidied=self.days_tidied)
            try:
                yield work
                work.commit()
            except BaseException:
                connection.rollback()
                raise
            work.committed()

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A read-only transaction: one consistent view, nothing written."""
        with self._connection() as connection:
            connection.begin_reading()
            try:
                yield UnitOfWork(connection, writable=False)
            finally:
                connection.rollback()

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled driver connection, given back afterwards."""
        with translated_errors():
            pooled = self.engine.raw_connection()
        driver = pooled.driver_connection
        try:
            yield Connection(driver, self.engine.dialect)
        except BaseException:
            if self.liveness is not None and getattr(driver, "broken", False):
                # The server went away: the others given back before now are checked
                # before their next use, and this one is not given back at all.
                self.liveness.lost()
                pooled.invalidate()
            raise
        finally:
            pooled.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _prepare_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by hand (BEGIN IMMEDIATE), not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(pragma)
    cursor.close()
