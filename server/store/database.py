"""Connecting to SQLite or PostgreSQL, and the write transaction.

SQLite runs in WAL mode with `synchronous=FULL`, so a ticket the kiosk has
printed survives a power cut; every write transaction starts with
`BEGIN IMMEDIATE` so two writers queue at the door instead of failing halfway.
PostgreSQL uses row locks taken by the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
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
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def driver_transaction(self) -> Iterator[Any]:
        """One write transaction on a pooled driver connection, for the queue's
        commands: no ORM session to set up and tear down around a dozen statements."""
        pooled = self.engine.raw_connection()
        try:
            connection = pooled.driver_connection
            if self.is_sqlite:
                connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
        finally:
            pooled.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction: one consistent view, nothing written."""
        with Session(self.engine, expire_on_commit=False) as session:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN")
            try:
                yield session
            finally:
                session.rollback()

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
