"""PostgreSQL's NOTIFY: how server processes tell each other about new events."""

from __future__ import annotations

from server.store import statements
from server.store.unit_of_work import UnitOfWork


def announce(work: UnitOfWork, channel: str, payload: str) -> None:
    """Send `payload` on `channel` when this unit of work commits (never if it rolls
    back), written with the commit (one round trip). Only PostgreSQL has such
    channels: on SQLite nothing is sent."""
    if work.connection.is_postgres:
        work.with_commit(statements.notify, {"channel": channel, "payload": payload})
