"""PostgreSQL's NOTIFY: how server processes tell each other about new events."""

from __future__ import annotations

from collections.abc import Sequence

from server.store import statements
from server.store.database import Database
from server.store.unit_of_work import UnitOfWork


def notify(db: Database, channel: str, payloads: Sequence[str]) -> None:
    """Send each payload on `channel`, in one transaction (delivered at its commit)."""
    with db.writing() as work:
        for payload in payloads:
            work.connection.rows(statements.notify, {"channel": channel, "payload": payload})


def announce(work: UnitOfWork, channel: str, payload: str) -> None:
    """Send `payload` on `channel` when this unit of work commits (never if it rolls
    back). Only PostgreSQL has such channels: on SQLite nothing is sent."""
    if work.connection.is_postgres:
        work.connection.rows(statements.notify, {"channel": channel, "payload": payload})
