"""The periodic refresh costs per office, not per socket: one token check for the whole
process, one snapshot read per office, the same frame to each of its sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from websockets.asyncio.client import ClientConnection

from antrean.vocabulary import DeviceKind
from server.admin import add_device, create_site, revoke_device
from server.auth import sign_in, token_verdicts
from server.demo_office import DEMO_PASSWORD, demo_spec
from server.realtime.service import Realtime
from server.store import accounts
from server.store.database import Database
from server.store.statements import USERS
from tests.conftest import Clock
from tests.realtime.conftest import Office, greeted, next_frame

OFFICES = ("demo", "kedua")


class Statements:
    """Every statement SQLite runs for the server, from any thread."""

    def __init__(self) -> None:
        self.count = 0

    def install(self, app: FastAPI) -> None:
        def traced(connection: Any, _record: Any) -> None:
            connection.set_trace_callback(self.seen)

        event.listen(app.state.operations.db.engine, "connect", traced)

    def seen(self, _statement: str) -> None:
        self.count += 1


def test_a_refresh_round_costs_the_same_for_two_sockets_as_for_sixty(
    make_office: Callable[..., Office],
) -> None:
    statements = Statements()
    office = make_office(
        statements.install,
        ws_refresh_seconds=0,  # rounds run by hand below
        ws_access_check_seconds=3600, health_check_seconds=3600,
    )
    with office.db.writing() as work:
        create_site(work, replace(demo_spec(), code="kedua"))
        tokens = {
            site: [
                add_device(work, site, DeviceKind.DISPLAY, office.clock(), name=f"tv {n}")[1]
                for n in range(30)
            ]
            for site in OFFICES
        }
    assert office.server.app is not None
    realtime: Realtime = office.server.app.state.realtime

    async def refresh_round() -> int:
        """Statements run by one whole refresh round, on the server's own loop."""
        await asyncio.sleep(1.5)  # the sightings of new sockets are written by now
        before = statements.count
        assert realtime.loop is not None
        done = asyncio.run_coroutine_threadsafe(realtime.refresh_round(), realtime.loop)
        await asyncio.wrap_future(done)
        return statements.count - before

    async def refreshed(sockets: list[ClientConnection]) -> list[str]:
        frames = [await next_frame(ws, "snapshot") for ws in sockets]
        assert {frame["reason"] for frame in frames} == {"refresh"}
        return [json.dumps(frame, sort_keys=True) for frame in frames]

    async def scenario() -> tuple[int, int, list[str]]:
        few = [(await greeted(office, tokens[site][0]))[0] for site in OFFICES]
        with_few = await refresh_round()
        await refreshed(few)
        many = [(await greeted(office, token))[0] for site in OFFICES for token in tokens[site][1:]]
        with_many = await refresh_round()
        frames = await refreshed(few + many)
        for ws in few + many:
            await ws.close()
        return with_few, with_many, frames

    with_few, with_many, frames = asyncio.run(scenario())
    print(f"statements per refresh round: {with_few} with 2 sockets, {with_many} with 60")
    assert with_many == with_few, (with_few, with_many)
    # One token check and one snapshot read per office (a snapshot is a few dozen
    # statements today), nothing per socket: 60 sockets would show here at once.
    assert with_few < 60 * len(OFFICES)
    assert realtime.refresh_rounds == 2 and realtime.refresh_reads == 2 * len(OFFICES)
    # Every socket of an office got the very same frame.
    assert len(set(frames)) == len(OFFICES)


class Counting:
    """A driver connection that notes each statement it is given."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.statements: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return self.driver.execute(sql, *args)

    def cursor(self) -> Any:
        return CountingCursor(self.driver.cursor(), self.statements)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver, name)


class CountingCursor:
    """A driver cursor that notes each statement in its connection's list."""

    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self.cursor = cursor
        self.statements = statements

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        self.cursor.execute(sql, *args)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def test_the_token_check_is_one_statement_however_many_tokens(
    demo_db: Database, clock: Clock
) -> None:
    """What the refresh (and, on SQLite, the per-second check) asks the database."""
    now = clock()
    with demo_db.writing() as work:
        devices = [
            add_device(work, "demo", DeviceKind.DISPLAY, now, name=f"tv {n}")
            for n in range(600)
        ]
        revoke_device(work, devices[1][0].id, now)
        officer, _, _ = sign_in(work, "petugas", DEMO_PASSWORD, now, timedelta(hours=1))
        brief, _, _ = sign_in(work, "petugas", DEMO_PASSWORD, now, timedelta(minutes=5))
        admin, _, _ = sign_in(work, "admin", DEMO_PASSWORD, now, timedelta(hours=1))
        switched_off = accounts.user_by_name(work, "admin")
        assert switched_off is not None
        work.update(USERS, switched_off.id, {"active": False})
    later = now + timedelta(minutes=10)
    tokens = [token for _, token in devices] + [officer, brief, admin, "atd_unknown"]
    with demo_db.reading() as work:
        driver = work.connection.driver
        counted = Counting(driver)
        work.connection.driver = counted  # type: ignore[misc]
        verdicts = token_verdicts(work, tokens, later)
        few = token_verdicts(work, tokens[:3], later)
        work.connection.driver = driver  # type: ignore[misc]
    assert len([s for s in counted.statements if "token_hash" in s]) == 2  # 604, then 3
    codes = {token: None if v is None else v.code for token, v in verdicts.items()}
    assert codes[devices[0][1]] is None and codes[devices[599][1]] is None
    assert codes[devices[1][1]] == "device_revoked"
    assert codes[officer] is None
    assert codes[brief] == "not_authenticated"  # expired
    assert codes[admin] == "not_authenticated"  # switched off
    assert codes["atd_unknown"] == "not_authenticated"
    assert sum(code is None for code in codes.values()) == 599 + 1  # the devices, the officer
    assert [None if v is None else v.code for v in few.values()] == [None, "device_revoked", None]
