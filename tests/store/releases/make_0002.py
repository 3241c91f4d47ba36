"""Make the database fixture of the release whose schema ends at migration 0002.

Run it with that release's code, not this tree's, e.g.:

    git archive e0a74e4 | tar -x -C /tmp/release-0002
    PYTHONPATH=/tmp/release-0002 .venv/bin/python tests/store/releases/make_0002.py \
        tests/store/releases/0002

It keeps an office's busy day and the next morning in a SQLite file, then
writes every row as that release stored it (`rows.json`) and the events as
that release served them to devices (`events.json`). The migration test loads
the rows into a database migrated to 0002 and upgrades it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from antrean.protocol import (
    CallNextCommand,
    CounterStateCommand,
    IssueTicketCommand,
    TicketCommand,
    TransferCommand,
)
from antrean.vocabulary import CounterState, DeviceKind, Priority, Role
from server.admin import add_device, add_user, create_site
from server.demo_office import DEMO_PASSWORD, demo_spec
from server.operations import Operations
from server.permissions import Caller
from server.realtime.reads import load_events
from server.store.database import Database
from server.store.migrate import upgrade

MORNING = datetime(2026, 11, 24, 1, 0, 0, 250_000, tzinfo=UTC)  # 09:00 WITA


class Clock:
    def __init__(self) -> None:
        self.now = MORNING

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=37, microseconds=123)
        return self.now


def a_day(db: Database) -> None:
    clock = Clock()
    operations = Operations(db, clock=clock)
    officer = Caller("user:2", None, role=Role.OFFICER, user_id=2)
    kiosk = Caller("device:1", 1, device_kind=None, role=Role.ADMIN)
    run = operations.execute
    ids = []
    for code, priority in [("A", Priority.NONE), ("A", Priority.ELDERLY), ("B", Priority.NONE),
                           ("C", Priority.PREGNANT), ("A", Priority.NONE), ("D", Priority.NONE)]:
        answer = run(kiosk, IssueTicketCommand(site="demo", service=code, priority=priority),
                     f"k{len(ids)}")
        assert answer.body is not None
        ids.append(answer.body["ticket"]["id"])
    first = run(officer, CallNextCommand(site="demo", counter=1)).body
    assert first is not None
    run(officer, TicketCommand(type="recall", ticket_id=first["id"]))
    run(officer, TicketCommand(type="start", ticket_id=first["id"]))
    second = run(officer, CallNextCommand(site="demo", counter=2)).body
    assert second is not None
    run(officer, TicketCommand(type="no_show", ticket_id=second["id"]))
    run(officer, TicketCommand(type="requeue", ticket_id=second["id"]))
    run(officer, TransferCommand(ticket_id=first["id"], service="B"))
    run(officer, CallNextCommand(site="demo", counter=3))
    run(officer, TicketCommand(type="cancel", ticket_id=ids[5], reason="Berkas tidak lengkap"))
    run(officer, CounterStateCommand(site="demo", counter=4, state=CounterState.PAUSED))
    run(officer, TicketCommand(type="finish", ticket_id=first["id"]))
    run(officer, CallNextCommand(site="demo", counter=1))
    # The next morning: the first command expires what was left open.
    clock.now = MORNING + timedelta(days=1)
    run(kiosk, IssueTicketCommand(site="demo", service="E"), "next-morning")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'release.db'}")
        upgrade(db)
        with db.transaction() as session:
            create_site(session, demo_spec())
            add_user(session, "admin", DEMO_PASSWORD, Role.ADMIN)
            add_user(session, "petugas", DEMO_PASSWORD, Role.OFFICER, "demo")
            add_device(session, "demo", DeviceKind.KIOSK, MORNING)
        a_day(db)
        rows: dict[str, list[dict[str, Any]]] = {}
        with db.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert revision.scalar_one() == "0002", "run this with the 0002 release's code"
            for table in SQLModel.metadata.sorted_tables:
                found = connection.execute(select(table).order_by(*table.primary_key)).mappings()
                rows[table.name] = [{k: _plain(v) for k, v in row.items()} for row in found]
        served = [e.model_dump(mode="json") for e in load_events(db, "demo", 0, 1000)]
        db.dispose()
    (folder / "rows.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    (folder / "events.json").write_text(json.dumps(served, indent=1, ensure_ascii=False) + "\n")
    print(f"{sum(len(r) for r in rows.values())} rows, {len(served)} events in {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
