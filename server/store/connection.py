"""One driver connection inside one transaction: where the store's statements run.

Driver errors that callers act on become the store's own: "a concurrent
transaction got in the way" is `TransientConflict`, "no room or no right to
write" is `StorageUnavailable`, "no database to talk to" is
`DatabaseUnavailable`. They are told apart by the database's error code
(SQLite's result code, PostgreSQL's SQLSTATE), never by message text.

On PostgreSQL a transaction's last writes (a command's stored answer) go out
with its COMMIT in one round trip, in psycopg's pipeline mode. Running the
whole transaction in that mode would spare a round trip for every write, but
costs more client CPU than the round trips it saves over loopback
(docs/performance.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy.exc
from sqlalchemy.engine import Dialect

from server.store.compiled import Statement
from server.store.errors import (
    AlreadyKept,
    DatabaseUnavailable,
    StorageUnavailable,
    StoreError,
    TransientConflict,
)

Params = Mapping[str, Any]
# PostgreSQL: serialization_failure, deadlock_detected.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite: busy (another writer kept the lock past the busy timeout), locked.
TRANSIENT_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
# SQLite: full, read-only, I/O error, cannot open; PostgreSQL: disk_full, io_error.
STORAGE_SQLITE_CODES = frozenset(
    {sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}
)
STORAGE_SQLSTATES = frozenset({"53100", "58030"})
# PostgreSQL: unique_violation; SQLite: a UNIQUE or PRIMARY KEY constraint (extended codes).
UNIQUE_SQLSTATE = "23505"
UNIQUE_SQLITE_CODES = frozenset({2067, 1555})
# What a database that cannot be used raises: psycopg's for a server away or a
# connection lost, SQLite's for a file that cannot be opened or has no tables yet.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError, sqlite3.OperationalError, psycopg.OperationalError,
)


def is_transient(error: BaseException) -> bool:
    """Did the database give up because of another transaction, so that a retry may work?"""
    if getattr(error, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    code = getattr(error, "sqlite_errorcode", None)
    # Extended result codes (e.g. SQLITE_BUSY_SNAPSHOT) keep the primary code in the low byte.
    return isinstance(code, int) and code & 0xFF in TRANSIENT_SQLITE_CODES


def is_unique_violation(error: BaseException) -> bool:
    cause = getattr(error, "orig", None) or error
    if getattr(cause, "sqlstate", None) == UNIQUE_SQLSTATE:
        return True
    return getattr(cause, "sqlite_errorcode", None) in UNIQUE_SQLITE_CODES


def is_storage_failure(error: BaseException) -> bool:
    """Could the database not write for want of storage (full, read-only, failing)?"""
    cause = getattr(error, "orig", None) or error
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in STORAGE_SQLITE_CODES
    return getattr(cause, "sqlstate", None) in STORAGE_SQLSTATES


def translated(error: Exception) -> Exception:
    """The store's own error for a driver's (or SQLAlchemy's), or the error itself.

    Only what callers act on is translated: a transient conflict (run again),
    storage that cannot be written and a database that cannot be used (answer
    503, report it). Anything else is a mistake in the code and stays as it is.
    """
    if isinstance(error, StoreError):
        return error
    cause = getattr(error, "orig", None) or error
    if is_transient(cause):
        return TransientConflict(str(cause))
    if is_storage_failure(cause):
        return StorageUnavailable(str(cause))
    if isinstance(error, UNAVAILABLE_ERRORS) or isinstance(cause, UNAVAILABLE_ERRORS):
        return DatabaseUnavailable(str(cause))
    return error


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        store_error = translated(error)
        if store_error is error:
            raise
        raise store_error from error


class Connection:
    """Runs compiled statements on one driver connection (sqlite3 or psycopg)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        self.driver = driver
        self.dialect = dialect
        self.is_postgres = dialect.name == "postgresql"
        # One cursor for the transaction's statements, each read to the end before the
        # next: a driver's cursor costs more to make than many a statement to run.
        self._cursor: Any = None

    def _execute(self, sql: str, parameters: Any) -> Any:
        if self._cursor is None:
            self._cursor = self.driver.cursor()
        self._cursor.execute(sql, parameters)
        return self._cursor

    def rows(self, statement: Statement, params: Params) -> list[list[Any]]:
        compiled = statement.compiled(self.dialect)
        try:
            cursor = self._execute(compiled.sql, compiled.parameters(params))
            raws = cursor.fetchall()
        except Exception as error:
            store_error = translated(error)
            if store_error is error:
                raise
            raise store_error from error
        if not raws:
            return []
        read = compiled.reader(cursor)
        return [read(raw) for raw in raws]

    def row(self, statement: Statement, params: Params) -> list[Any] | None:
        compiled = statement.compiled(self.dialect)
        try:
            cursor = self._execute(compiled.sql, compiled.parameters(params))
            raw = cursor.fetchone()
        except Exception as error:
            store_error = translated(error)
            if store_error is error:
                raise
            raise store_error from error
        return None if raw is None else compiled.reader(cursor)(raw)

    def run(self, statement: Statement, params: Params) -> None:
        """Run a statement that returns no rows."""
        compiled = statement.compiled(self.dialect)
        try:
            self._execute(compiled.sql, compiled.parameters(params))
        except Exception as error:
            store_error = translated(error)
            if store_error is error:
                raise
            raise store_error from error

    def run_many(self, statement: Statement, many: Sequence[Params]) -> None:
        compiled = statement.compiled(self.dialect)
        with translated_errors():
            self.driver.cursor().executemany(
                compiled.sql, [compiled.parameters(params) for params in many]
            )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write transaction. SQLite (whose driver leaves transactions to us):
        `BEGIN IMMEDIATE` takes the write lock at once, so two writers queue at the
        door instead of failing halfway. PostgreSQL begins by itself and takes row
        locks as the statements ask."""
        with translated_errors():
            if not self.is_postgres:
                self.driver.execute("BEGIN IMMEDIATE")
        yield

    def begin_reading(self) -> None:
        if not self.is_postgres:
            with translated_errors():
                self.driver.execute("BEGIN")

    def commit(self, last: Sequence[tuple[Statement, Params]] = ()) -> None:
        """Run `last` and commit: on PostgreSQL in one round trip (pipeline mode).
        A row of `last` whose unique key is taken raises `AlreadyKept`."""
        try:
            self._commit(last)
        except Exception as error:
            if is_unique_violation(error):
                raise AlreadyKept(str(error)) from error
            raise

    def _commit(self, last: Sequence[tuple[Statement, Params]]) -> None:
        with translated_errors():
            if self.is_postgres and last:
                with self.driver.pipeline():
                    for statement, params in last:
                        # A cursor each: in a pipeline, results arrive after the last.
                        compiled = statement.compiled(self.dialect)
                        self.driver.execute(compiled.sql, compiled.parameters(params))
                    self.driver.commit()
                return
            for statement, params in last:
                self.run(statement, params)
            self.driver.commit()

    def rollback(self) -> None:
        # A connection cut off has nothing left to roll back (the server did), and
        # raising here would hide the error that ended the transaction.
        if getattr(self.driver, "closed", False):
            return
        with translated_errors():
            self.driver.rollback()

