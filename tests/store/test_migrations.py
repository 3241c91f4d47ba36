"""A database made by an earlier release upgrades, and its history reads the same.

`releases/0002/` and `releases/0004/` hold the rows of a busy day as the
releases whose schema ended at migrations 0002 and 0004 stored them (their
events in the wire format), and the events as those releases served them to
devices (see releases/make_0002.py, make_0004.py). The 0004 day has every event
type that release stored, ratings among them, and a TV paired with a one-time
code. Loaded into a database migrated to the release's last migration and
upgraded, the events must read back in the event log's own schema and make
exactly the same wire views.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Date, Table, column, insert, inspect, select, text
from sqlalchemy import table as table_clause
from sqlmodel import SQLModel

from antrean.protocol import IssueTicketCommand
from antrean.vocabulary import DeviceKind, Role, Satisfaction
from server.engine.commands import find_site
from server.operations import Operations
from server.permissions import Caller
from server.realtime.reads import load_events
from server.store import event_log
from server.store.database import Database
from server.store.migrate import downgrade, upgrade
from server.store.types import UTCDateTime
from server.web.tv.pairing import TvOptions, screen_for

RELEASES = Path(__file__).with_name("releases")


@dataclass(frozen=True)
class Release:
    """What one earlier release left behind."""

    revision: str  # its last migration
    folder: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", json.loads((self.folder / "rows.json").read_text()))
        object.__setattr__(self, "served", json.loads((self.folder / "events.json").read_text()))

    rows: dict[str, list[dict[str, Any]]] = None  # type: ignore[assignment]  # set above
    served: list[dict[str, Any]] = None  # type: ignore[assignment]  # set above


RELEASE_0002 = Release("0002", RELEASES / "0002")
RELEASE_0004 = Release("0004_display_pairing", RELEASES / "0004")


def _typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for name, value in row.items():
        kind = table.c[name].type
        if value is not None and isinstance(kind, UTCDateTime):
            values[name] = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            values[name] = date.fromisoformat(value)
    return values


def load_release(db: Database, release: Release) -> None:
    """The release's rows, into a database at its last migration."""
    upgrade(db, release.revision)
    tables = SQLModel.metadata.tables
    with db.engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            found = release.rows.get(table.name, [])  # a table added since is empty
            if found:
                # Only the columns the release had: the model's later columns and
                # their defaults do not exist yet at this revision.
                names = sorted({name for row in found for name in row})
                then = table_clause(table.name, *(column(n, table.c[n].type) for n in names))
                connection.execute(insert(then), [_typed(tables[table.name], r) for r in found])
            if not db.is_sqlite and "id" in table.c and found:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                ))


@pytest.fixture(params=[RELEASE_0002, RELEASE_0004], ids=["0002", "0004"])
def release(request: pytest.FixtureRequest) -> Release:
    found: Release = request.param
    return found


@pytest.fixture
def release_db(database_url: str, release: Release) -> Iterator[Database]:
    db = Database(database_url)
    load_release(db, release)
    yield db
    db.dispose()


def _stored_events(db: Database, *columns: str) -> list[dict[str, Any]]:
    events = SQLModel.metadata.tables["events"]
    chosen = [events.c[name] for name in columns] if columns else list(events.c)
    with db.engine.connect() as connection:
        rows = connection.execute(select(*chosen).order_by(events.c.seq)).mappings()
        return [dict(row) for row in rows]


def test_the_release_history_reads_the_same_after_upgrading(
    release_db: Database, release: Release
) -> None:
    upgrade(release_db)
    stored = _stored_events(release_db)
    assert {row["version"] for row in stored} == {event_log.VERSION}
    assert all("ticket" in row["data"] and "details" in row["data"] for row in stored)
    served = [e.model_dump(mode="json") for e in load_events(release_db, "demo", 0, 1000)]
    assert served == release.served
    assert {e["type"] for e in served} >= {
        "issued", "called", "recalled", "started", "finished", "no_show", "requeued",
        "transferred", "cancelled", "expired", "counter_changed",
    }


def test_the_upgraded_office_carries_on_where_it_left_off(
    release_db: Database, release: Release
) -> None:
    upgrade(release_db)
    last = release.served[-1]
    clock = datetime.fromisoformat(last["at"])
    operations = Operations(release_db, clock=lambda: clock)
    admin = Caller("user:1", None, role=Role.ADMIN, user_id=1)
    answer = operations.execute(admin, IssueTicketCommand(site="demo", service="E"), "after")
    assert answer.body is not None and answer.body["ticket"]["code"] == "E002"
    served = load_events(release_db, "demo", last["seq"], 10)
    assert [(e.seq, e.type) for e in served] == [(last["seq"] + 1, "issued")]


def test_downgrading_gives_back_the_release_rows(
    release_db: Database, release: Release
) -> None:
    upgrade(release_db)
    downgrade(release_db, release.revision)
    stored = _stored_events(release_db, "data")
    assert [row["data"] for row in stored] == [row["data"] for row in release.rows["events"]]
    assert "version" not in {c["name"] for c in inspect(release_db.engine).get_columns("events")}


@pytest.mark.parametrize("release", [RELEASE_0004], ids=["0004"])
def test_ratings_notes_reasons_and_a_paired_tv_survive_the_upgrade(
    release_db: Database, release: Release
) -> None:
    upgrade(release_db)
    tv = json.loads((release.folder / "tv.json").read_text())
    now = datetime.fromisoformat(release.served[-1]["at"])
    with release_db.reading() as work:
        site = find_site(work, "demo")
        ratings = {t.code: t.satisfaction for t in work.tickets_of_site(site.id)}
        events = work.events_since(site.id, 0, 1000)
        # The TV's cookie still opens its wall, with the options it was paired with.
        caller, paired_site, options = screen_for(work, tv["token"], now)
    assert {code: face for code, face in ratings.items() if face} == {
        "C001": Satisfaction.SATISFIED, "A001": Satisfaction.VERY_DISSATISFIED,
    }
    rated = [(e.ticket.code, e.counter, dict(e.details)) for e in events
             if e.type == "rated" and e.ticket]
    assert rated == [
        ("C001", 1, {"satisfaction": "satisfied", "score": 3}),
        ("A001", 2, {"satisfaction": "very_dissatisfied", "score": 1}),
    ]
    [transfer] = [e for e in events if e.type == "transferred"]
    assert transfer.details["note"] == "KK sudah diperiksa"
    reasons = [e.details.get("reason") for e in events if e.type == "counter_changed"]
    assert reasons == ["Istirahat salat", None, "Rapat di kecamatan"]
    assert caller.device_kind is DeviceKind.DISPLAY and paired_site.code == "demo"
    assert options == TvOptions.model_validate(tv["options"])
    assert options.services == ["A", "B"] and options.title == "Ruang tunggu"
