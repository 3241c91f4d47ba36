"""Make the database fixture of the release whose schema ends at migration 0004.

That release added the citizen's rating (`rated` events, `tickets.satisfaction`),
notes on transfers, reasons on pauses, and paired browser displays. Run this
with that release's code, not this tree's, e.g.:

    git archive <that release's commit> | tar -x -C /tmp/release-0004
    PYTHONPATH=/tmp/release-0004 .venv/bin/python tests/store/releases/make_0004.py \
        tests/store/releases/0004

It keeps the same busy day as make_0002.py, with ratings from a counter
keypad, a transfer with a note, pauses with reasons and a TV paired with a
one-time code (one more code made and never used), then the next morning. It
writes every row as that release stored it (`rows.json`), the events as that
release served them to devices (`events.json`), and the paired TV's token and
options (`tv.json`), which only the browser kept.
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
    RateServiceCommand,
    TicketCommand,
    TransferCommand,
)
from antrean.vocabulary import CounterState, DeviceKind, Priority, Role, Satisfaction
from server.admin import add_device, add_user, create_site
from server.demo_office import DEMO_PASSWORD, demo_spec
from server.operations import Operations
from server.permissions import Caller
from server.realtime.reads import load_events
from server.store.database import Database
from server.store.migrate import upgrade
from server.web.tv.pairing import TvOptions, claim, create_pairing

MORNING = datetime(2026, 11, 24, 1, 0, 0, 250_000, tzinfo=UTC)  # 09:00 WITA
REVISION = "0004_display_pairing"


class Clock:
    def __init__(self) -> None:
        self.now = MORNING

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=37, microseconds=123)
        return self.now


def a_day(db: Database, keypad_id: int) -> None:
    clock = Clock()
    operations = Operations(db, clock=clock)
    officer = Caller("user:2", None, role=Role.OFFICER, user_id=2)
    kiosk = Caller("device:1", 1, device_kind=None, role=Role.ADMIN)
    keypad = Caller(
        f"device:{keypad_id}", 1, device_kind=DeviceKind.COUNTER,
        counters=frozenset({1, 2}), device_id=keypad_id,
    )
    run = operations.execute
    ids = []
    for code, priority in [("A", Priority.NONE), ("A", Priority.ELDERLY), ("B", Priority.NONE),
                           ("C", Priority.PREGNANT), ("A", Priority.NONE), ("D", Priority.NONE),
                           ("C", Priority.NONE), ("A", Priority.NONE)]:
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
    run(officer, TransferCommand(ticket_id=first["id"], service="B", note="KK sudah diperiksa"))
    run(officer, CallNextCommand(site="demo", counter=3))
    run(officer, TicketCommand(type="cancel", ticket_id=ids[5], reason="Berkas tidak lengkap"))
    run(officer, CounterStateCommand(
        site="demo", counter=4, state=CounterState.PAUSED, reason="Istirahat salat",
    ))
    run(officer, TicketCommand(type="finish", ticket_id=first["id"]))
    # Served at counters 1 and 2 and rated on the way out, from the keypad's faces.
    for counter, face in [(1, Satisfaction.SATISFIED), (2, Satisfaction.VERY_DISSATISFIED)]:
        called = run(keypad, CallNextCommand(site="demo", counter=counter)).body
        assert called is not None
        run(keypad, TicketCommand(type="finish", ticket_id=called["id"]))
        rated = run(keypad, RateServiceCommand(ticket_id=called["id"], satisfaction=face)).body
        assert rated is not None
    run(officer, CounterStateCommand(site="demo", counter=4, state=CounterState.OPEN))
    run(officer, CounterStateCommand(
        site="demo", counter=3, state=CounterState.CLOSED, reason="Rapat di kecamatan",
    ))
    run(officer, CallNextCommand(site="demo", counter=1))
    # The next morning: the first command expires what was left open.
    clock.now = MORNING + timedelta(days=1)
    run(kiosk, IssueTicketCommand(site="demo", service="E"), "next-morning")


def pair_a_tv(db: Database) -> dict[str, Any]:
    options = TvOptions(services=["A", "B"], counters=[1, 2], sound="chime",
                        title="Ruang tunggu", recent_calls=4)
    with db.transaction() as session:
        _, code = create_pairing(session, "demo", MORNING, "TV ruang tunggu", options)
        _, token = claim(session, code, MORNING + timedelta(minutes=3))
        create_pairing(session, "demo", MORNING + timedelta(minutes=5), "TV lobi")  # never used
    return {"token": token, "options": options.model_dump(mode="json")}


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
            keypad, _ = add_device(session, "demo", DeviceKind.COUNTER, MORNING, [1, 2])
            keypad_id = keypad.id
        assert keypad_id is not None
        tv = pair_a_tv(db)
        a_day(db, keypad_id)
        rows: dict[str, list[dict[str, Any]]] = {}
        with db.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert revision.scalar_one() == REVISION, "run this with the 0004 release's code"
            for table in SQLModel.metadata.sorted_tables:
                found = connection.execute(select(table).order_by(*table.primary_key)).mappings()
                rows[table.name] = [{k: _plain(v) for k, v in row.items()} for row in found]
        served = [e.model_dump(mode="json") for e in load_events(db, "demo", 0, 1000)]
        db.dispose()
    assert {e["type"] for e in served} >= {"rated", "transferred", "counter_changed"}
    (folder / "rows.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    (folder / "events.json").write_text(json.dumps(served, indent=1, ensure_ascii=False) + "\n")
    (folder / "tv.json").write_text(json.dumps(tv, indent=1) + "\n")
    print(f"{sum(len(r) for r in rows.values())} rows, {len(served)} events in {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
