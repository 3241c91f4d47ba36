"""One driver connection inside one transaction: where the store's statements run.

Driver errors that mean "a concurrent transaction got in the way" become the
store's own `TransientConflict`, told apart by the database's error code
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

from sqlalchemy.engine import Dialect

from server.store.compiled import Statement
from server.store.errors import TransientConflict

Params = Mapping[str, Any]
# PostgreSQL: serialization_failure, deadlock_detected.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite: busy (another writer kept the lock past the busy timeout), locked.
TRANSIENT_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_transient(error: BaseException) -> bool:
    """Did the database give up because of another transaction, so that a retry may work?"""
    if getattr(error, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    code = getattr(error, "sqlite_errorcode", None)
    # Extended result codes (e.g. SQLITE_BUSY_SNAPSHOT) keep the primary code in the low byte.
    return isinstance(code, int) and code & 0xFF in TRANSIENT_SQLITE_CODES


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except TransientConflict:
        raise
    except Exception as error:
        if is_transient(error):
            raise TransientConflict(str(error)) from error
        raise


class Connection:
    """Runs compiled statements on one driver connection (sqlite3 or psycopg)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        self.driver = driver
        self.dialect = dialect
        self.is_postgres = dialect.name == "postgresql"

    def rows(self, statement: Statement, params: Params) -> list[list[Any]]:
        compiled = statement.compiled(self.dialect)
        try:
            cursor = self.driver.execute(compiled.sql, compiled.parameters(params))
            raws = cursor.fetchall()
        except Exception as error:
            if is_transient(error):
                raise TransientConflict(str(error)) from error
            raise
        if not raws:
            return []
        read = compiled.reader(cursor)
        return [read(raw) for raw in raws]

    def row(self, statement: Statement, params: Params) -> list[Any] | None:
        compiled = statement.compiled(self.dialect)
        try:
            cursor = self.driver.execute(compiled.sql, compiled.parameters(params))
            raw = cursor.fetchone()
        except Exception as error:
            if is_transient(error):
                raise TransientConflict(str(error)) from error
            raise
        return None if raw is None else compiled.reader(cursor)(raw)

    def run(self, statement: Statement, params: Params) -> None:
        """Run a statement that returns no rows."""
        compiled = statement.compiled(self.dialect)
        try:
            self.driver.execute(compiled.sql, compiled.parameters(params))
        except Exception as error:
            if is_transient(error):
                raise TransientConflict(str(error)) from error
            raise

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
        """Run `last` and commit: on PostgreSQL in one round trip (pipeline mode)."""
        with translated_errors():
            if self.is_postgres and last:
                with self.driver.pipeline():
                    for statement, params in last:
                        self.run(statement, params)
                    self.driver.commit()
                return
            for statement, params in last:
                self.run(statement, params)
            self.driver.commit()

    def rollback(self) -> None:
        self.driver.rollback()

