"""PostgreSQL's NOTIFY: how server processes tell each other about new events."""

from __future__ import annotations

from collections.abc import Sequence

from server.store import statements
from server.store.database import Database


def notify(db: Database, channel: str, payloads: Sequence[str]) -> None:
    """Send each payload on `channel`, in one transaction (delivered at its commit)."""
    with db.writing() as work:
        for payload in payloads:
            work.connection.rows(statements.notify, {"channel": channel, "payload": payload})
