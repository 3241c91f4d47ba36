"""A database made by an earlier release upgrades, and its history reads the same.

`releases/0002/` holds the rows of a busy day as the release whose schema
ended at migration 0002 stored them (its events in the wire format), and the
events as that release served them to devices (see releases/make_0002.py).
Loaded into a database migrated to 0002 and upgraded, the events must read
back in the event log's own schema and make exactly the same wire views.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Date, Table, insert, inspect, select, text
from sqlmodel import SQLModel

from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import Role
from server.operations import Operations
from server.permissions import Caller
from server.realtime.reads import load_events
from server.store import event_log
from server.store.database import Database
from server.store.migrate import downgrade, upgrade
from server.store.types import UTCDateTime

RELEASE = Path(__file__).with_name("releases") / "0002"
ROWS: dict[str, list[dict[str, Any]]] = json.loads((RELEASE / "rows.json").read_text())
SERVED: list[dict[str, Any]] = json.loads((RELEASE / "events.json").read_text())


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for name, value in row.items():
        kind = table.c[name].type
        if value is not None and isinstance(kind, UTCDateTime):
            values[name] = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            values[name] = date.fromisoformat(value)
    return values


def load_release(db: Database) -> None:
    """The release's rows, into a database at its last migration."""
    upgrade(db, "0002")
    tables = SQLModel.metadata.tables
    with db.engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            found = ROWS[table.name]
            if found:
                connection.execute(insert(table), [_typed(tables[table.name], r) for r in found])
            if not db.is_sqlite and "id" in table.c and found:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                ))


@pytest.fixture
def release_db(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    load_release(db)
    yield db
    db.dispose()


def _stored_events(db: Database, *columns: str) -> list[dict[str, Any]]:
    events = SQLModel.metadata.tables["events"]
    chosen = [events.c[name] for name in columns] if columns else list(events.c)
    with db.engine.connect() as connection:
        rows = connection.execute(select(*chosen).order_by(events.c.seq)).mappings()
        return [dict(row) for row in rows]


def test_the_release_history_reads_the_same_after_upgrading(release_db: Database) -> None:
    upgrade(release_db)
    stored = _stored_events(release_db)
    assert {row["version"] for row in stored} == {event_log.VERSION}
    assert all("ticket" in row["data"] and "details" in row["data"] for row in stored)
    served = [e.model_dump(mode="json") for e in load_events(release_db, "demo", 0, 1000)]
    assert served == SERVED
    assert {e["type"] for e in served} >= {
        "issued", "called", "recalled", "started", "finished", "no_show", "requeued",
        "transferred", "cancelled", "expired", "counter_changed",
    }


def test_the_upgraded_office_carries_on_where_it_left_off(release_db: Database) -> None:
    upgrade(release_db)
    last = SERVED[-1]
    clock = datetime.fromisoformat(last["at"])
    operations = Operations(release_db, clock=lambda: clock)
    admin = Caller("user:1", None, role=Role.ADMIN, user_id=1)
    answer = operations.execute(admin, IssueTicketCommand(site="demo", service="E"), "after")
    assert answer.body is not None and answer.body["ticket"]["code"] == "E002"
    served = load_events(release_db, "demo", last["seq"], 10)
    assert [(e.seq, e.type) for e in served] == [(last["seq"] + 1, "issued")]


def test_downgrading_gives_back_the_release_rows(release_db: Database) -> None:
    upgrade(release_db)
    downgrade(release_db, "0002")
    stored = _stored_events(release_db, "data")
    assert [row["data"] for row in stored] == [row["data"] for row in ROWS["events"]]
    assert "version" not in {c["name"] for c in inspect(release_db.engine).get_columns("events")}
