"""What the server's own watch reads: is the database there, when was the last
event, how many citizens wait. For /healthz, /metrics and the clock watch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.store import statements
from server.store.database import Database
from server.store.unit_of_work import UnitOfWork


def answers(db: Database) -> None:
    """Ask the database something trivial; raises the store's DatabaseUnavailable if it
    cannot answer."""
    with db.reading() as work:
        work.connection.row(statements.ping, {})


def latest_event_at(work: UnitOfWork) -> datetime | None:
    """When the last event committed (of any office) happened."""
    row = work.connection.row(statements.latest_event_at, {})
    return None if row is None else row[0]


@dataclass(frozen=True)
class Waiting:
    site_id: int
    service: str
    local_day: date
    count: int


def waiting_counts(work: UnitOfWork) -> list[Waiting]:
    """Waiting tickets per office, service code and day (today's and any left over)."""
    rows = work.connection.rows(statements.waiting_counts, {})
    return [Waiting(site_id, code, day, int(count)) for site_id, code, day, count in rows]
